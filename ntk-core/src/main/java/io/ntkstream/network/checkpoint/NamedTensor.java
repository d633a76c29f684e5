package io.ntkstream.network.checkpoint;

import io.ntkstream.data.DType;

/** TEMPORARY stub until the io branch lands. */
public record NamedTensor(String name, int[] shape, double[] values, DType storedAs) {}
