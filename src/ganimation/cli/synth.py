"""``ganimation synth``: render a synthetic AU-face dataset (and evaluation pairs)."""

from __future__ import annotations

import argparse
import os
import time

from ganimation.cli import types


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "synth",
        help="render a synthetic AU-face dataset with exact AU labels",
        description="Render procedural faces with known AU intensities into a prepared dataset "
                    "(crops/ + annotations.csv), optionally with same-identity evaluation pairs.",
    )
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="output dataset folder")
    p.add_argument("--count", type=types.count, default=1000, help="number of faces (default 1000)")
    p.add_argument("--size", type=int, default=128, help="image side in pixels (default 128; range checked with the dataset's settings)")
    p.add_argument("--seed", type=types.seed, default=0, help="random seed (default 0)")
    p.add_argument("--pairs", type=types.int_range(0, types.MAX_COUNT, name="pairs"), default=0, metavar="K", help="also write K evaluation pairs under DIR/pairs/")
    p.add_argument("--test-fraction", type=types.fraction, default=0.1, help="fraction of identities in the test split (default 0.1)")
    p.add_argument("--per-identity", type=types.int_range(1, 1000, name="per_identity"), default=4, help="faces per identity (default 4)")
    p.add_argument("--workers", type=types.workers, default=None, help="render processes (default: CPU count)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from tqdm import tqdm

    from ganimation.data.synthetic import synthesize_dataset
    from ganimation.video import validate_output_dir

    validate_output_dir(args.out, what="dataset folder")
    workers = args.workers if args.workers is not None else min(os.cpu_count() or 1, 8)
    if args.count + args.pairs < 64:
        workers = 1  # not worth starting processes
    total = args.count + 2 * args.pairs
    t0 = time.time()
    with tqdm(total=total, unit="img", disable=args.no_progress, desc="synth") as bar:
        summary = synthesize_dataset(args.out, args.count, size=args.size, seed=args.seed, pairs=args.pairs,
                                     test_fraction=args.test_fraction, progress=bar.update, workers=max(1, workers),
                                     per_identity=args.per_identity)
    dt = time.time() - t0
    extra = f", {summary['pairs']} pairs in {args.out}/pairs" if summary["pairs"] else ""
    print(f"wrote {summary['count']} synthetic faces ({summary['train_images']} train / {summary['test_images']} test, "
          f"{summary['identities']} identities, {summary['size']} px) to {summary['dir']}{extra} in {dt:.1f}s")
    return 0
