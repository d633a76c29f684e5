"""Writes the small .npy test files in this directory with NumPy (run: python3 make_npy_fixtures.py).

They are an independent reference for the Java reader: written by np.save / np.lib.format,
not by our code. Checked-in outputs are used by the tests; CI does not run this script.
"""
import numpy as np

a = (np.arange(12, dtype=np.float64).reshape(3, 4) - 5.5) / 7.0
np.save("f32_3x4.npy", a.astype(np.float32))
np.save("labels_i8.npy", np.array([3, 1, 4, 1, 5, 9, 2, -6], dtype=np.int64))
np.save("labels_i4.npy", np.array([2, 7, 1, 8, 2, 8], dtype=np.int32))
np.save("f16.npy", np.array([1.0, -2.5, 65504.0, 2.0 ** -24, 0.1, np.inf], dtype=np.float16))
for v in [(2, 0), (3, 0)]:
    with open("f8_v%d.npy" % v[0], "wb") as f:
        np.lib.format.write_array(f, a, version=v)
np.save("fortran_f8.npy", np.asfortranarray(a))
np.save("bigendian_f8.npy", a.astype(">f8"))
np.save("object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
np.save("u8.npy", np.arange(5, dtype=np.uint8))
np.save("f8_3d.npy", np.arange(24, dtype=np.float64).reshape(2, 3, 4))
