package io.panamax.benchmarks.suite;

import java.util.Locale;

/** Number formatting for the page. */
final class Fmt {
    private Fmt() {
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    /** {@code x} with {@code decimals} decimals, or "n/a". */
    static String n(double x, int decimals) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return "n/a";
        }
        return f("%,." + decimals + "f", x);
    }

    /** A rate with a unit prefix: 1.23 M, 456 k. */
    static String si(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return "n/a";
        }
        double a = Math.abs(x);
        if (a >= 1e9) {
            return f("%.2f G", x / 1e9);
        }
        if (a >= 1e6) {
            return f("%.2f M", x / 1e6);
        }
        if (a >= 1e3) {
            return f("%.1f k", x / 1e3);
        }
        return f("%.1f", x);
    }

    /** {@code a / b} as "1.23×", or "n/a". */
    static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "n/a";
        }
        double r = a / b;
        return r >= 10 ? f("%.1f×", r) : f("%.2f×", r);
    }

    /** Heap bytes, small values with more decimals. */
    static String bytes(double b) {
        if (Double.isNaN(b)) {
            return "n/a";
        }
        if (Math.abs(b) < 1) {
            return f("%.3f B", b);
        }
        if (Math.abs(b) < 100) {
            return f("%.1f B", b);
        }
        return f("%,.0f B", b);
    }

    static String yesNo(boolean met) {
        return met ? "**yes**" : "**no**";
    }

    /** ± error, in the same format as {@link #n}. */
    static String pm(double x, double err, int decimals) {
        if (Double.isNaN(err)) {
            return n(x, decimals);
        }
        return n(x, decimals) + " ± " + n(err, decimals);
    }
}
