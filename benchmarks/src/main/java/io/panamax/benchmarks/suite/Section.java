package io.panamax.benchmarks.suite;

import java.util.ArrayList;
import java.util.List;

/**
 * What one benchmark of the suite produced: its rows of the summary table and its part of the
 * page (commands, raw output excerpts, notes), in Markdown.
 */
final class Section {
    /** One line of the summary table. */
    record Row(String benchmark, String panamax, String peer, String ratio, String goal, String met) {
        String markdown() {
            return "| " + String.join(" | ", cell(benchmark), cell(panamax), cell(peer), cell(ratio), cell(goal), cell(met)) + " |";
        }

        private static String cell(String s) {
            return s == null || s.isEmpty() ? "–" : s.replace("|", "\\|").replace("\n", " ");
        }
    }

    final String name;
    final String title;
    final List<Row> rows = new ArrayList<>();
    private final StringBuilder body = new StringBuilder();

    Section(String name, String title) {
        this.name = name;
        this.title = title;
    }

    Section row(String benchmark, String panamax, String peer, String ratio, String goal, String met) {
        rows.add(new Row(benchmark, panamax, peer, ratio, goal, met));
        return this;
    }

    /** Appends Markdown text (a paragraph, a table); a blank line follows. */
    Section text(String markdown) {
        body.append(markdown.strip()).append("\n\n");
        return this;
    }

    Section heading(String h) {
        body.append("### ").append(h).append("\n\n");
        return this;
    }

    /** A fenced block (commands, raw output). */
    Section code(String content) {
        String c = content.strip();
        String fence = c.contains("```") ? "~~~~" : "```";
        body.append(fence).append('\n').append(c).append('\n').append(fence).append("\n\n");
        return this;
    }

    Section bullets(List<String> items) {
        for (String i : items) {
            body.append("- ").append(i.strip()).append('\n');
        }
        body.append('\n');
        return this;
    }

    /** A Markdown table. */
    Section table(List<String> header, List<List<String>> lines) {
        body.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.size(); i++) {
            body.append(i == 0 ? "---|" : "---:|");
        }
        body.append('\n');
        for (List<String> l : lines) {
            body.append("| ").append(String.join(" | ", l.stream().map(s -> s.replace("|", "\\|")).toList())).append(" |\n");
        }
        body.append('\n');
        return this;
    }

    String body() {
        return body.toString();
    }
}
