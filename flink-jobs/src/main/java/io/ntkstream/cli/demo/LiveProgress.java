package io.ntkstream.cli.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Live progress of several tasks at once: on a terminal, one progress bar per task (stacked, redrawn
 * in place on stderr); otherwise (a pipe, a log file, a test) one plain line per update on the
 * given stream.
 */
final class LiveProgress implements AutoCloseable {
    private final boolean interactive;
    private final PrintStream log;
    private final List<ProgressBar> bars = new ArrayList<>();

    private LiveProgress(boolean interactive, PrintStream log) {
        this.interactive = interactive;
        this.log = log;
    }

    /** Bars when this process has a terminal (and {@code allowBars}), plain lines on {@code log} otherwise. */
    static LiveProgress create(boolean allowBars, PrintStream log) {
        return new LiveProgress(allowBars && System.console() != null, log);
    }

    /** A task's progress: {@code max} steps of {@code unit}. */
    Task task(String name, long max, String unit) {
        ProgressBar bar = null;
        if (interactive) {
            bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(max).setUnit(" " + unit, 1)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(100).hideEta()
                    .setConsumer(new InteractiveConsoleProgressBarConsumer(System.err)).build();
            bars.add(bar);
        }
        return new Task(name, max, unit, bar);
    }

    final class Task {
        private final String name;
        private final long max;
        private final String unit;
        private final ProgressBar bar;

        private Task(String name, long max, String unit, ProgressBar bar) {
            this.name = name;
            this.max = max;
            this.unit = unit;
            this.bar = bar;
        }

        /** Moves to {@code done} steps; {@code message} says how it goes (e.g. the accuracy). */
        void update(long done, String message) {
            if (bar != null) {
                bar.stepTo(done);
                bar.setExtraMessage(message);
                bar.refresh();
            } else {
                log.printf("  %-14s %4d/%d %s  %s%n", name, done, max, unit, message);
                log.flush();
            }
        }
    }

    @Override
    public void close() {
        for (ProgressBar b : bars) {
            b.close();
        }
        bars.clear();
    }
}
