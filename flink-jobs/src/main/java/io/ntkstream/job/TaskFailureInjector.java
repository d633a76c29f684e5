package io.ntkstream.job;

import io.ntkstream.kafka.TaskEvent;
import java.io.Serializable;

/**
 * A hook the task operator calls before each record, for failure-injection tests (throw to make
 * the task fail and restart from the last checkpoint). Production jobs use {@link #NONE}.
 */
@FunctionalInterface
public interface TaskFailureInjector extends Serializable {
    TaskFailureInjector NONE = event -> { };

    void beforeEvent(TaskEvent event) throws Exception;
}
