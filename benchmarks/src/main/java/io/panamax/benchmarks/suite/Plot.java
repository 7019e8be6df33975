package io.panamax.benchmarks.suite;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Line charts drawn with Java2D (headless) into PNG files: throughput against shards, latency CDFs. */
final class Plot {
    private static final int W = 900;
    private static final int H = 560;
    private static final int LEFT = 95;
    private static final int RIGHT = 30;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    /** One line: its name, points, whether it is drawn dashed, whether each point gets a marker. */
    record Series(String name, double[] x, double[] y, boolean dashed, boolean markers) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logX;
    private Double yMin;
    private Double yMax;
    private double[] xTicks;
    private boolean legendBottomRight;

    Plot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    Plot add(Series s) {
        series.add(s);
        return this;
    }

    Plot logX() {
        this.logX = true;
        return this;
    }

    Plot yRange(double min, double max) {
        this.yMin = min;
        this.yMax = max;
        return this;
    }

    Plot legendBottomRight() {
        this.legendBottomRight = true;
        return this;
    }

    Plot xTicks(double... ticks) {
        this.xTicks = ticks;
        return this;
    }

    /** The empirical CDF of {@code values} as a series (sorted values against i/n). */
    static Series cdf(String name, double[] values) {
        double[] x = values.clone();
        java.util.Arrays.sort(x);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (i + 1) / (double) x.length;
        }
        return new Series(name, x, y, false, false);
    }

    void write(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            draw(g);
        } finally {
            g.dispose();
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    private double tx(double v) {
        return logX ? Math.log10(v) : v;
    }

    private void draw(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        double x0 = Double.MAX_VALUE;
        double x1 = -Double.MAX_VALUE;
        double y0 = Double.MAX_VALUE;
        double y1 = -Double.MAX_VALUE;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (logX && s.x[i] <= 0) {
                    continue;
                }
                x0 = Math.min(x0, tx(s.x[i]));
                x1 = Math.max(x1, tx(s.x[i]));
                y0 = Math.min(y0, s.y[i]);
                y1 = Math.max(y1, s.y[i]);
            }
        }
        if (x0 > x1) {
            x0 = 0;
            x1 = 1;
            y0 = 0;
            y1 = 1;
        }
        if (yMin != null) {
            y0 = yMin;
        } else {
            y0 = Math.min(0, y0);
        }
        if (yMax != null) {
            y1 = yMax;
        } else {
            y1 = y1 * 1.1;
        }
        if (x1 == x0) {
            x1 = x0 + 1;
        }
        if (!logX) {
            double pad = (x1 - x0) * 0.05;
            x0 -= pad;
            x1 += pad;
        } else {
            x0 = Math.floor(x0);
            x1 = Math.ceil(x1);
        }
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        final double fx0 = x0;
        final double fx1 = x1;
        final double fy0 = y0;
        final double fy1 = y1;
        java.util.function.DoubleUnaryOperator px = v -> LEFT + (tx(v) - fx0) / (fx1 - fx0) * pw;
        java.util.function.DoubleUnaryOperator py = v -> TOP + ph - (v - fy0) / (fy1 - fy0) * ph;

        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        Font big = new Font(Font.SANS_SERIF, Font.BOLD, 16);
        g.setFont(big);
        g.setColor(Color.BLACK);
        FontMetrics fm = g.getFontMetrics();
        g.drawString(title, (W - fm.stringWidth(title)) / 2, 30);
        g.setFont(small);
        fm = g.getFontMetrics();

        // Grid and y ticks.
        double yStep = niceStep((y1 - y0) / 6);
        for (double v = Math.ceil(y0 / yStep) * yStep; v <= y1 + 1e-9; v += yStep) {
            int y = (int) py.applyAsDouble(v);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(LEFT, y, LEFT + pw, y);
            g.setColor(Color.DARK_GRAY);
            String t = label(v, yStep);
            g.drawString(t, LEFT - 8 - fm.stringWidth(t), y + 4);
        }
        // x ticks.
        List<Double> xs = new ArrayList<>();
        if (xTicks != null) {
            for (double t : xTicks) {
                xs.add(t);
            }
        } else if (logX) {
            for (int e = (int) x0; e <= (int) x1; e++) {
                for (int m : new int[] {1, 2, 5}) {
                    double v = m * Math.pow(10, e);
                    if (Math.log10(v) <= x1 + 1e-9) {
                        xs.add(v);
                    }
                }
            }
        } else {
            double xStep = niceStep((x1 - x0) / 8);
            for (double v = Math.ceil(x0 / xStep) * xStep; v <= x1 + 1e-9; v += xStep) {
                xs.add(v);
            }
        }
        for (double v : xs) {
            int x = (int) px.applyAsDouble(v);
            if (x < LEFT - 1 || x > LEFT + pw + 1) {
                continue;
            }
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(x, TOP, x, TOP + ph);
            g.setColor(Color.DARK_GRAY);
            String t = label(v, logX ? v / 10 : niceStep((x1 - x0) / 8));
            g.drawString(t, x - fm.stringWidth(t) / 2, TOP + ph + 18);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, pw, ph);
        g.drawString(xLabel, LEFT + (pw - fm.stringWidth(xLabel)) / 2, H - 22);
        var saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(TOP + (ph + fm.stringWidth(yLabel)) / 2), 22);
        g.setTransform(saved);

        // Series.
        int k = 0;
        for (Series s : series) {
            Color c = COLORS[k % COLORS.length];
            g.setColor(c);
            g.setStroke(s.dashed ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {8f, 6f}, 0f)
                    : new BasicStroke(2.2f));
            Path2D path = new Path2D.Double();
            boolean first = true;
            for (int i = 0; i < s.x.length; i++) {
                if (logX && s.x[i] <= 0) {
                    continue;
                }
                double x = px.applyAsDouble(s.x[i]);
                double y = py.applyAsDouble(s.y[i]);
                if (first) {
                    path.moveTo(x, y);
                    first = false;
                } else {
                    path.lineTo(x, y);
                }
            }
            g.draw(path);
            if (s.markers) {
                for (int i = 0; i < s.x.length; i++) {
                    int x = (int) px.applyAsDouble(s.x[i]);
                    int y = (int) py.applyAsDouble(s.y[i]);
                    g.fillOval(x - 5, y - 5, 10, 10);
                }
            }
            // Legend.
            int lx = LEFT + 14;
            int ly = TOP + 18 + 20 * k;
            if (legendBottomRight) {
                int widest = 0;
                for (Series x : series) {
                    widest = Math.max(widest, fm.stringWidth(x.name));
                }
                lx = LEFT + pw - widest - 66;
                ly = TOP + ph - 14 - 20 * (series.size() - 1 - k);
            }
            g.drawLine(lx, ly - 4, lx + 30, ly - 4);
            g.setColor(Color.BLACK);
            g.drawString(s.name, lx + 38, ly);
            k++;
        }
    }

    private static double niceStep(double raw) {
        if (raw <= 0 || Double.isNaN(raw) || Double.isInfinite(raw)) {
            return 1;
        }
        double e = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / e;
        double n = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
        return n * e;
    }

    private static String label(double v, double step) {
        double a = Math.abs(v);
        if (a >= 1e6) {
            return String.format(Locale.ROOT, step >= 1e6 ? "%.0fM" : "%.1fM", v / 1e6);
        }
        if (a >= 1e3) {
            return String.format(Locale.ROOT, step >= 1e3 ? "%.0fk" : "%.1fk", v / 1e3);
        }
        if (step >= 1 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        int decimals = (int) Math.max(1, Math.ceil(-Math.log10(step)));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
