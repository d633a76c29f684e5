package io.ntkstream.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** One task's latest meta-grid scores (parsed from its "kind":"task" meta record). A Flink POJO. */
public class TaskScores {
    private static final ObjectMapper JSON = new ObjectMapper();

    public String task;
    public long modelVersion;
    public int nTrain;
    public double[] scores;

    public TaskScores() {
    }

    /** The scores of a task meta record, or null for any other record. */
    static TaskScores parse(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            if (!"task".equals(n.path("kind").asText())) {
                return null;
            }
            TaskScores s = new TaskScores();
            s.task = n.get("task").asText();
            s.modelVersion = n.get("model_version").asLong();
            s.nTrain = n.get("n_train").asInt();
            JsonNode a = n.get("scores");
            s.scores = new double[a.size()];
            for (int i = 0; i < s.scores.length; i++) {
                s.scores[i] = a.get(i).asDouble();
            }
            return s;
        } catch (Exception e) {
            throw new IllegalStateException("meta task record written by the job cannot be read back: " + json, e);
        }
    }
}
