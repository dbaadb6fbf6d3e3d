"""The ways out: each channel turns a claimed delivery into one attempt and its outcome."""
