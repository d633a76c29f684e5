package io.ntkstream.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetaScheduleTest {

    private static List<Integer> duePoints(MetaSchedule s, int upTo) {
        List<Integer> due = new ArrayList<>();
        for (int n = 0; n <= upTo; n++) {
            if (s.isDue(n)) {
                due.add(n);
            }
        }
        return due;
    }

    @Test
    void everyLabelsUntilDenseThenAtDoublings() {
        assertThat(duePoints(new MetaSchedule(20, 100), 1400))
                .containsExactly(20, 40, 60, 80, 100, 160, 320, 640, 1280);
    }

    @Test
    void offWhenEveryIsZeroAndNeverBelowTwoLabels() {
        assertThat(duePoints(new MetaSchedule(0, 100), 500)).isEmpty();
        assertThat(duePoints(new MetaSchedule(1, 5), 9)).containsExactly(2, 3, 4, 5, 8);
    }

    @Test
    void totalWorkOfTheDoublingsStaysWithinAConstantOfTheLastScore() {
        // Σ n³ over the due points above denseUntil, against the cost of scoring at the last one
        MetaSchedule s = new MetaSchedule(20, 200);
        double total = 0;
        int last = 0;
        for (int n = 201; n <= 20 * 1024; n++) {
            if (s.isDue(n)) {
                total += Math.pow(n, 3);
                last = n;
            }
        }
        assertThat(last).isEqualTo(20 * 1024);
        assertThat(total / Math.pow(last, 3)).isLessThanOrEqualTo(8.0 / 7.0);
    }

    @Test
    void rejectsNegativeSettings() {
        assertThatThrownBy(() -> new MetaSchedule(-1, 0)).hasMessageContaining("every");
        assertThatThrownBy(() -> new MetaSchedule(5, -3)).hasMessageContaining("denseUntil");
    }
}
