"""The parts :mod:`ganimation.evaluate` composes.

- :mod:`.data`: faces to evaluate (datasets, synthetic pairs, photos);
- :mod:`.targets`: target AUs (shuffled, presets, CSV rows);
- :mod:`.estimators`: AU estimators and the identity embedder;
- :mod:`.families`: metric families (AU control, reconstruction, identity, locality, realism, emotion, pairs);
- :mod:`.engines`: whole-photo preset edits of the editing engines (warp, gan, hybrid) side by side;
- :mod:`.output`: strict JSON, rounding, stage timers.
"""
