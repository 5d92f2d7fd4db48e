"""Evaluation metrics: image similarity, distributions (FID/KID), AU control, locality, emotion,
landmark geometry of expressions, colour shift of the face."""
