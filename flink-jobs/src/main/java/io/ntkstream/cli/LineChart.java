package io.ntkstream.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** PNG line charts (XChart, headless): one series per entry, x and y arrays. */
public final class LineChart {
    private LineChart() {
    }

    /** One series: its points. */
    public record Series(double[] x, double[] y) {
    }

    /** Writes the series (in map order) to {@code png}. */
    public static void write(Path png, String title, String xTitle, String yTitle, Map<String, Series> series,
                             Styler.LegendPosition legend) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(legend);
        chart.getStyler().setMarkerSize(5);
        for (Map.Entry<String, Series> e : series.entrySet()) {
            chart.addSeries(e.getKey(), e.getValue().x(), e.getValue().y());
        }
        try {
            Path parent = png.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream o = Files.newOutputStream(png)) {
                BitmapEncoder.saveBitmap(chart, o, BitmapEncoder.BitmapFormat.PNG);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("plot " + png + ": " + e.getMessage(), e);
        }
    }
}
