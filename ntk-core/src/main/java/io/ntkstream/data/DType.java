package io.ntkstream.data;

/** TEMPORARY stub until the io branch lands. */
public enum DType { FLOAT32, FLOAT64, INT64, INT32 }
