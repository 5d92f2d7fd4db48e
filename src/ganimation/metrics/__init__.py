"""Evaluation metrics: image similarity, distributions (FID/KID), AU control, locality, emotion."""
