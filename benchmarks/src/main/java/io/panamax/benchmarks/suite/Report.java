package io.panamax.benchmarks.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docs/benchmarks.md: the machine, the summary table, then one part per benchmark. Each part sits
 * between markers, with its summary rows in a comment, so that a run of some benchmarks
 * ({@code --only}) replaces their parts and keeps the others from the page as it was.
 */
final class Report {
    private static final Pattern SECTION = Pattern.compile(
            "<!-- section:([a-z0-9-]+) -->\\n(.*?)<!-- /section:\\1 -->", Pattern.DOTALL);
    private static final Pattern ROWS = Pattern.compile("<!-- rows\\n(.*?)-->", Pattern.DOTALL);

    /** A part of the page: its Markdown (markers excluded) and its summary rows as Markdown lines. */
    record Part(String name, String markdown, List<String> rows) {
    }

    private Report() {
    }

    /** The parts of an existing page, by name. */
    static Map<String, Part> read(Path page) throws IOException {
        Map<String, Part> parts = new LinkedHashMap<>();
        if (!Files.exists(page)) {
            return parts;
        }
        String text = Files.readString(page, StandardCharsets.UTF_8);
        Matcher m = SECTION.matcher(text);
        while (m.find()) {
            String md = m.group(2);
            List<String> rows = new ArrayList<>();
            Matcher r = ROWS.matcher(md);
            if (r.find()) {
                for (String l : r.group(1).split("\n")) {
                    if (l.startsWith("|")) {
                        rows.add(l);
                    }
                }
            }
            parts.put(m.group(1), new Part(m.group(1), md, rows));
        }
        return parts;
    }

    /** A freshly run section as a part: a heading, when and how it ran, its body, its rows. */
    static Part part(Section s, String runLine) {
        StringBuilder b = new StringBuilder();
        b.append("## ").append(s.title).append("\n\n");
        b.append("_").append(runLine).append("_\n\n");
        b.append(s.body());
        b.append("<!-- rows\n");
        for (Section.Row r : s.rows) {
            b.append(r.markdown()).append('\n');
        }
        b.append("-->\n");
        return new Part(s.name, b.toString(), s.rows.stream().map(Section.Row::markdown).toList());
    }

    /** The whole page: header, machine, summary (rows of every part in {@code order}), the parts. */
    static String render(List<String> order, Map<String, Part> parts, String header, String machine) {
        StringBuilder b = new StringBuilder();
        b.append(header.strip()).append("\n\n");
        b.append("## Machine\n\n").append(machine.strip()).append("\n\n");
        b.append("## Summary\n\n");
        b.append("| benchmark | Panamax | peer | ratio | goal | met? |\n|---|---:|---:|---:|---|---|\n");
        for (String name : order) {
            Part p = parts.get(name);
            if (p != null) {
                for (String r : p.rows) {
                    b.append(r).append('\n');
                }
            }
        }
        b.append('\n');
        List<String> missing = order.stream().filter(n -> !parts.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            b.append("Not measured yet: ").append(String.join(", ", missing.stream().map(n -> "`" + n + "`").toList()))
                    .append(" (`bin/panamax bench --only ").append(String.join(",", missing)).append("`).\n\n");
        }
        for (String name : order) {
            Part p = parts.get(name);
            if (p != null) {
                b.append("<!-- section:").append(name).append(" -->\n").append(p.markdown.strip()).append('\n')
                        .append("<!-- /section:").append(name).append(" -->\n\n");
            }
        }
        return b.toString();
    }
}
