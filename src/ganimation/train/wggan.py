"""Training wg-GAN's refinement and mouth networks on (source, target) frame pairs of talking-face video.

``ganimation train --arch wggan --data DATASET [-c configs/wggan_cpu.yaml] [--set train.steps=4000]``.
DATASET is prepared by ``ganimation prepare VIDEOS --video``. A run folder holds::

    config.yaml                       the full configuration of the run
    pairs.npz                         the training pairs built at the start (reused on resume)
    state.pt                          resumable state (both networks, both critics, optimisers, history buffer)
    refiner.safetensors, mouth.safetensors   release weights (config in the metadata)
    metrics.jsonl, tb/                the reporter's scalars and sample grids
    samples/step_*.png                warped | refined | real, and masked | inpainted | real mouth patches
    summary.json

Losses (Geng et al. 2018): L1 to the real target frame (face region) plus a
WGAN-GP adversarial term with weight ``alpha`` (0.004, the paper's) for the
refiner, whose critic sees half its fakes from a history buffer of earlier
generated crops (Shrivastava et al. 2017, as the paper does); the mouth
inpainter: L1 over the inner-mouth region plus the same adversarial term on
mouth patches, on frames whose mouth is open.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ganimation.errors import ConfigError, DatasetError, one_line
from ganimation.nn.mouth import MouthConfig
from ganimation.nn.refiner import RefinerConfig
from ganimation.refine import mouth_box, refiner_input

log = logging.getLogger("ganimation.train")

STATE_FILE = "state.pt"
REFINER_FILE = "refiner.safetensors"
MOUTH_FILE = "mouth.safetensors"
PAIRS_FILE = "pairs.npz"


@dataclass(frozen=True)
class WgganTrainConfig:
    """Optimisation settings of ``--arch wggan``."""

    steps: int = 4000
    batch_size: int = 8
    mouth_batch_size: int = 8
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    alpha: float = 0.004          # adversarial weight against L1 (the paper's)
    lambda_gp: float = 10.0
    n_critic: int = 1             # critic steps per generator step
    history: int = 256            # history buffer of generated crops for the critic (0 = off)
    background_weight: float = 0.1  # L1 weight outside the face mask
    d_channels: int = 32
    d_layers: int = 5
    mouth_d_layers: int = 4
    pairs: int = 4000             # training pairs drawn at the start
    open_iod: float = 0.08        # a mouth counts as open above this gap (inter-ocular distances)
    colour_jitter: float = 0.0    # refiner pairs: one random colour transform per pair on input and target (0 = off)
    soften: float = 0.0           # refiner pairs: share resampled down (0.35-0.75) and back up, input and target alike
    seed: int = 0
    threads: int = 2              # torch CPU threads
    device: str = "cpu"
    log_every: int = 50
    sample_every: int = 500
    save_every: int = 250
    exclude: str = "lp_s13,retalking_3,sadtalker_wda_kh,sadtalker_wda_aoc"   # held out (aoc: same person as retalking_3)

    def validate(self) -> WgganTrainConfig:
        for name in ("steps", "batch_size", "mouth_batch_size", "n_critic", "pairs", "threads", "log_every",
                     "sample_every", "save_every", "d_channels", "d_layers", "mouth_d_layers"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"train.{name}={one_line(repr(v), 40)} must be a whole number >= 1")
        for name in ("lr_g", "lr_d", "alpha", "lambda_gp", "background_weight", "open_iod", "colour_jitter", "soften"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ConfigError(f"train.{name}={one_line(repr(v), 40)} must be a finite number >= 0")
        if self.colour_jitter >= 1 or self.soften > 1:
            raise ConfigError("train.colour_jitter must be below 1 and train.soften (a share) at most 1")
        if self.history < 0:
            raise ConfigError("train.history must be >= 0 (0 = no history buffer)")
        return self


@dataclass(frozen=True)
class WgganConfig:
    refiner: RefinerConfig = field(default_factory=RefinerConfig)
    mouth: MouthConfig = field(default_factory=MouthConfig)
    train: WgganTrainConfig = field(default_factory=WgganTrainConfig)
    data: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _section(cls, d, name):
    from ganimation.config import _check_keys, _coerce

    d = dict(d or {})
    if not isinstance(d, dict):
        raise ConfigError(f"config section {name!r} must be a mapping")
    _check_keys(cls, d, name)
    return cls(**_coerce(cls, d, name))


def wggan_config_from_dict(d: dict) -> WgganConfig:
    unknown = set(d) - {"refiner", "mouth", "train", "data", "model"}
    if unknown:
        raise ConfigError(f"unknown config section(s) {', '.join(sorted(map(str, unknown)))}; "
                          "use refiner, mouth, train, data")
    data = d.get("data") or {}
    path = data.get("path", "") if isinstance(data, dict) else str(data)
    cfg = WgganConfig(refiner=_section(RefinerConfig, d.get("refiner"), "refiner"),
                      mouth=_section(MouthConfig, d.get("mouth"), "mouth"),
                      train=_section(WgganTrainConfig, d.get("train"), "train").validate(), data=str(path))
    for name, v in (("refiner.image_size", cfg.refiner.image_size), ("mouth.patch", cfg.mouth.patch)):
        if v % 16 or not 32 <= v <= 1024:
            raise ConfigError(f"{name}={v} must be a multiple of 16 in 32..1024")
    if cfg.refiner.image_size % (2 ** cfg.train.d_layers) or cfg.mouth.patch % (2 ** cfg.train.mouth_d_layers):
        raise ConfigError("refiner.image_size / mouth.patch must be divisible by 2**train.d_layers / 2**mouth_d_layers")
    if cfg.mouth.patch > cfg.refiner.image_size:
        raise ConfigError("mouth.patch must not exceed refiner.image_size")
    return cfg


def is_wggan_config(path) -> bool:
    """Whether the YAML file ``path`` is a wg-GAN config (it has a ``refiner`` or ``mouth`` section)."""
    from ganimation.config import _read_yaml

    d = _read_yaml(Path(path))
    return isinstance(d, dict) and bool({"refiner", "mouth"} & set(map(str, d)))


def load_wggan_config(path=None, overrides=None, data=None) -> WgganConfig:
    """Defaults <- YAML file <- ``section.key=value`` overrides (as ``ganimation train``)."""
    from ganimation.config import merge, parse_overrides, read_config_file

    d: dict = read_config_file(path, "refiner/mouth/train") if path else {}
    d = merge(d, parse_overrides(overrides))
    d.pop("model", None)
    if data is not None:
        d["data"] = {"path": str(data)}
    return wggan_config_from_dict(d)


class HistoryBuffer:
    """Earlier generated images for the critic (Shrivastava et al. 2017; wg-GAN uses one).

    ``push_and_sample(fake)``: ``fake`` ``(B, C, H, W)`` (detached) -> ``(B, C, H, W)``
    where, once the buffer holds images, about half the batch is replaced by
    random buffered images, and those slots take the new ones. The buffer holds
    at most ``capacity`` images (on the CPU); ``capacity = 0`` passes ``fake`` through.
    """

    def __init__(self, capacity: int, seed: int = 0):
        self.capacity = int(capacity)
        self.images: list[torch.Tensor] = []
        self.gen = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.images)

    def push_and_sample(self, fake: torch.Tensor) -> torch.Tensor:
        if self.capacity <= 0:
            return fake
        out = []
        for img in fake.detach():
            cpu = img.to("cpu", copy=True)
            if len(self.images) < self.capacity:
                self.images.append(cpu)
                out.append(img)
            elif torch.rand(1, generator=self.gen).item() < 0.5:
                k = int(torch.randint(len(self.images), (1,), generator=self.gen))
                out.append(self.images[k].to(img.device))
                self.images[k] = cpu
            else:
                out.append(img)
        return torch.stack(out)

    def state(self) -> dict:
        return {"images": torch.stack(self.images) if self.images else torch.zeros(0), "capacity": self.capacity}

    def load(self, state: dict) -> None:
        imgs = state.get("images")
        self.images = [t.clone() for t in imgs] if imgs is not None and imgs.numel() else []


def _to_unit(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def _batch(pairs: dict, idx: np.ndarray, flip: np.ndarray, device) -> dict[str, torch.Tensor]:
    """Tensors of pairs ``idx``, horizontally flipped where ``flip`` (the displacement's x negated)."""
    warped = _to_unit(pairs["warped"][idx])
    target = _to_unit(pairs["target"][idx])
    disp = torch.from_numpy(pairs["disp"][idx].astype(np.float32)).permute(0, 3, 1, 2)
    face = torch.from_numpy(pairs["face"][idx]).float().div(255.0)[:, None]
    mouth = torch.from_numpy(pairs["mouth"][idx]).float()[:, None]
    f = torch.from_numpy(flip)
    if f.any():
        for t in (warped, target, disp, face, mouth):
            t[f] = t[f].flip(-1)
        disp[f, 0] = -disp[f, 0]
    return {k: v.to(device) for k, v in {"warped": warped, "target": target, "disp": disp, "face": face,
                                                  "mouth": mouth}.items()}


def _augment(b: dict, tc: WgganTrainConfig, step: int) -> dict:
    """``b`` with its warped and target crops augmented alike (:mod:`ganimation.data.pair_augment`);
    the draws depend on the seed and the step only, so a resumed run sees the same batches."""
    from ganimation.data.pair_augment import photometric, soften

    if tc.colour_jitter <= 0 and tc.soften <= 0:
        return b
    gen = torch.Generator().manual_seed(tc.seed * 1_000_003 + step)
    warped, target = photometric((b["warped"], b["target"]), tc.colour_jitter, gen)
    warped, target = soften((warped, target), tc.soften, generator=gen)
    return {**b, "warped": warped, "target": target}


def _mouth_batch(pairs: dict, idx: np.ndarray, flip: np.ndarray, patch: int, device) -> dict[str, torch.Tensor]:
    """Mouth patches of the REAL target crops of pairs ``idx``: ``image`` ``(B, 3, P, P)``, ``mask`` ``(B, 1, P, P)``."""
    imgs, masks = [], []
    for i, f in zip(idx, flip):
        y, x = mouth_box(pairs["mouth"][i], patch)
        img = pairs["target"][i, y:y + patch, x:x + patch]
        m = pairs["mouth"][i, y:y + patch, x:x + patch]
        if f:
            img, m = img[:, ::-1], m[:, ::-1]
        imgs.append(img)
        masks.append(m)
    image = _to_unit(np.ascontiguousarray(np.stack(imgs)))
    mask = torch.from_numpy(np.ascontiguousarray(np.stack(masks))).float()[:, None]
    return {"image": image.to(device), "mask": mask.to(device)}


def masked_l1(a: torch.Tensor, b: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``sum(w |a - b|) / (3 sum(w))``: mean absolute error under per-pixel weights ``(B, 1, H, W)``."""
    return (weight * (a - b).abs()).sum() / (3.0 * weight.sum().clamp_min(1e-6))


def critic_loss(D, real: torch.Tensor, fake: torch.Tensor, lambda_gp: float) -> tuple[torch.Tensor, dict]:
    """WGAN-GP critic loss ``D(fake) - D(real) + lambda GP`` (the project's gradient penalty)."""
    from ganimation.losses import gradient_penalty

    d_real = D(real)[0].mean()
    d_fake = D(fake.detach())[0].mean()
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
    gp, _ = gradient_penalty(lambda x: D(x)[0], real, fake, alpha)
    loss = d_fake - d_real + lambda_gp * gp
    return loss, {"wasserstein": float((d_real - d_fake).detach()), "gp": float(gp.detach())}


class Trainer:
    """Both networks, both critics, their optimisers and one training step (no files)."""

    def __init__(self, cfg: WgganConfig, device="cpu"):
        from ganimation.config import TrainConfig
        from ganimation.nn import Critic
        from ganimation.nn.mouth import MouthInpainter
        from ganimation.nn.refiner import Refiner
        from ganimation.train.optim import adam

        tc = cfg.train
        self.cfg, self.device = cfg, torch.device(device)
        torch.manual_seed(tc.seed)
        self.G = Refiner(cfg.refiner).to(self.device)
        self.M = MouthInpainter(cfg.mouth).to(self.device)
        self.D = Critic(cfg.refiner.image_size, 1, tc.d_channels, tc.d_layers).to(self.device)
        self.DM = Critic(cfg.mouth.patch, 1, tc.d_channels, tc.mouth_d_layers).to(self.device)
        opt = TrainConfig(beta1=tc.beta1, beta2=tc.beta2)
        self.opt_g = adam(self.G.parameters(), tc.lr_g, opt)
        self.opt_m = adam(self.M.parameters(), tc.lr_g, opt)
        self.opt_d = adam(self.D.parameters(), tc.lr_d, opt)
        self.opt_dm = adam(self.DM.parameters(), tc.lr_d, opt)
        self.history = HistoryBuffer(tc.history, tc.seed)

    def refine_step(self, b: dict, generator_step: bool = True) -> dict[str, float]:
        """One critic step (and a generator step) of the refiner on a batch from :func:`_batch`."""
        tc = self.cfg.train
        x = refiner_input(b["warped"], b["disp"], b["mouth"], self.cfg.refiner)
        fake, _color, att = self.G(x)
        face = b["face"]
        real_c, fake_c = b["target"] * face, fake * face        # the critic sees the face region
        d_loss, d_logs = critic_loss(self.D, real_c, self.history.push_and_sample(fake_c.detach()), tc.lambda_gp)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        logs = {"d/wasserstein": d_logs["wasserstein"], "d/gp": d_logs["gp"]}
        if generator_step:
            weight = face + tc.background_weight * (1.0 - face)
            l1 = masked_l1(fake, b["target"], weight)
            adv = -self.D(fake_c)[0].mean()
            loss = l1 + tc.alpha * adv
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_g.step()
            with torch.no_grad():
                warp_l1 = masked_l1(b["warped"], b["target"], weight)
            logs.update({"g/l1": float(l1.detach()), "g/adv": float(adv.detach()), "g/warp_l1": float(warp_l1),
                         "g/attention": float(att.detach().mean())})
        return logs

    def mouth_step(self, b: dict, generator_step: bool = True) -> dict[str, float]:
        """One critic step (and an inpainter step) on real mouth patches from :func:`_mouth_batch`."""
        tc = self.cfg.train
        fake, _ = self.M(b["image"], b["mask"])
        d_loss, d_logs = critic_loss(self.DM, b["image"], fake, tc.lambda_gp)
        self.opt_dm.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_dm.step()
        logs = {"mouth_d/wasserstein": d_logs["wasserstein"]}
        if generator_step:
            l1 = masked_l1(fake, b["image"], b["mask"])
            loss = l1 + tc.alpha * (-self.DM(fake)[0].mean())
            self.opt_m.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_m.step()
            logs["mouth/l1"] = float(l1.detach())
        return logs

    def state_dict(self) -> dict:
        return {"G": self.G.state_dict(), "M": self.M.state_dict(), "D": self.D.state_dict(),
                "DM": self.DM.state_dict(), "opt_g": self.opt_g.state_dict(), "opt_m": self.opt_m.state_dict(),
                "opt_d": self.opt_d.state_dict(), "opt_dm": self.opt_dm.state_dict(),
                "history": self.history.state()}

    def load_state_dict(self, s: dict) -> None:
        for key in ("G", "M", "D", "DM", "opt_g", "opt_m", "opt_d", "opt_dm"):
            getattr(self, key).load_state_dict(s[key])
        self.history.load(s["history"])


@torch.no_grad()
def _sample_grid(trainer: Trainer, b: dict, mb: dict) -> np.ndarray:
    """Rows of warped | refined | blend mask | real (face crops), then masked | inpainted | real (mouth patches)."""
    from ganimation.train.samples import to_uint8

    trainer.G.eval()
    trainer.M.eval()
    x = refiner_input(b["warped"], b["disp"], b["mouth"], trainer.cfg.refiner)
    fake, _, att = trainer.G(x)
    mfake, _ = trainer.M(mb["image"], mb["mask"])
    trainer.G.train()
    trainer.M.train()
    cols = [to_uint8(t) for t in (b["warped"], fake, att, b["target"])]
    top = np.concatenate([np.concatenate([c[i] for c in cols], 1) for i in range(len(cols[0]))], 0)
    mcols = [to_uint8(t) for t in (mb["image"] * (1 - mb["mask"]), mfake, mb["image"])]
    bottom = np.concatenate([np.concatenate([c[i] for c in mcols], 1) for i in range(len(mcols[0]))], 0)
    w = max(top.shape[1], bottom.shape[1])
    pad = lambda a: np.pad(a, ((0, 0), (0, w - a.shape[1]), (0, 0)))
    return np.concatenate([pad(top), pad(bottom)], 0)


def _load_or_build_pairs(cfg: WgganConfig, run_dir: Path) -> dict:
    from ganimation.checkpoint import atomic_write
    from ganimation.data.video_pairs import _savez, build_pairs, load_clips

    path = run_dir / PAIRS_FILE
    key = json.dumps([cfg.data, cfg.refiner.image_size, cfg.train.pairs, cfg.train.seed, cfg.train.exclude])
    if path.is_file():
        try:
            with np.load(path) as d:
                if str(d["key"]) == key:
                    return {k: d[k] for k in d.files if k != "key"}
        except Exception:  # noqa: BLE001 - a damaged cache is rebuilt
            log.info("%s is damaged; building the pairs again", path)
    exclude = [s.strip() for s in cfg.train.exclude.split(",") if s.strip()]
    clips = load_clips(cfg.data, exclude=exclude)
    log.info("building %d pairs from %d clips at %d px", cfg.train.pairs, len(clips), cfg.refiner.image_size)
    pairs = build_pairs(clips, cfg.train.pairs, cfg.refiner.image_size, cfg.train.seed, progress=True)
    atomic_write(path, lambda tmp: _savez(tmp, {"key": np.array(key), **pairs}))
    return pairs


def train_wggan(cfg: WgganConfig, out_dir, *, resume: bool = False, until_step: int | None = None) -> dict:
    """Train both networks as ``cfg`` says; write the run folder ``out_dir`` (see the module docstring)."""
    import yaml

    from ganimation.checkpoint import load_state, save_state
    from ganimation.images import save_image
    from ganimation.refine import save_weights
    from ganimation.train.report import Reporter

    tc = cfg.train
    if not cfg.data:
        raise ConfigError("no dataset: give --data DATASET (prepared with `ganimation prepare VIDEOS --video`)")
    torch.set_num_threads(tc.threads)
    run_dir = Path(out_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    state_path = run_dir / STATE_FILE
    if state_path.exists() and not resume:
        raise ConfigError(f"{run_dir} already holds a run; add --resume to continue it or use another --out")
    t0, c0 = time.time(), os.times()
    pairs = _load_or_build_pairs(cfg, run_dir)
    n = len(pairs["warped"])
    open_idx = np.nonzero(pairs["open_iod"] > tc.open_iod)[0]
    if len(open_idx) < 2:
        raise DatasetError(f"only {len(open_idx)} pair(s) with an open mouth; the mouth network needs more data")
    trainer = Trainer(cfg, tc.device)
    start = 0
    if resume:
        s = load_state(state_path)
        trainer.load_state_dict(s)
        start = int(s["step"])
        log.info("resumed at step %d", start)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False))
    stop = min(tc.steps, until_step) if until_step else tc.steps
    reporter = Reporter(run_dir, start_step=start)
    prev = np.random.default_rng(tc.seed + 99)
    pv = prev.choice(n, min(4, n), replace=False)
    preview = _batch(pairs, pv, np.zeros(len(pv), bool), trainer.device)
    mpv = open_idx[:4]
    mpreview = _mouth_batch(pairs, mpv, np.zeros(len(mpv), bool), cfg.mouth.patch, trainer.device)

    def save(step: int) -> None:
        extra = {"step": step, "pairs": n, "data": cfg.data}
        save_weights(run_dir / REFINER_FILE, trainer.G, cfg.refiner, extra=extra)
        save_weights(run_dir / MOUTH_FILE, trainer.M, cfg.mouth, extra=extra)
        save_state(state_path, {"step": step, "config": json.dumps(cfg.to_dict()), **trainer.state_dict()})

    acc: dict[str, float] = {}
    cnt: dict[str, int] = {}
    last: dict[str, float] = {}
    pbar = None
    from tqdm import tqdm

    pbar = tqdm(total=stop, initial=start, desc="train wggan", unit="step", disable=None)
    try:
        for step in range(start, stop):
            rng = np.random.default_rng([tc.seed, step])
            idx = rng.integers(0, n, tc.batch_size)
            b = _batch(pairs, idx, rng.random(tc.batch_size) < 0.5, trainer.device)
            b = _augment(b, tc, step)
            midx = open_idx[rng.integers(0, len(open_idx), tc.mouth_batch_size)]
            mb = _mouth_batch(pairs, midx, rng.random(tc.mouth_batch_size) < 0.5, cfg.mouth.patch, trainer.device)
            g_step = (step + 1) % tc.n_critic == 0
            logs = trainer.refine_step(b, g_step)
            logs.update(trainer.mouth_step(mb, g_step))
            for k, v in logs.items():
                acc[k] = acc.get(k, 0.0) + v
                cnt[k] = cnt.get(k, 0) + 1
            done = step + 1
            if done % tc.log_every == 0 or done == stop:
                last = {k: acc[k] / cnt[k] for k in acc}
                bad = [k for k, v in last.items() if not math.isfinite(v)]
                if bad:
                    raise FloatingPointError(f"non-finite training metrics at step {done}: {', '.join(bad)}")
                reporter.scalars(done, last)
                acc.clear()
                cnt.clear()
                pbar.set_postfix({k.split("/")[-1]: f"{v:.3g}" for k, v in last.items() if k in ("g/l1", "g/warp_l1",
                                                                                               "mouth/l1")})
            if done % tc.sample_every == 0 or done == stop:
                grid = _sample_grid(trainer, preview, mpreview)
                save_image(run_dir / "samples" / f"step_{done:07d}.png", grid)
                reporter.image(done, "samples", grid)
            if done % tc.save_every == 0 and done != stop:
                save(done)
            pbar.update(1)
        save(stop)
    finally:
        pbar.close()
        reporter.close()
    c1 = os.times()
    summary = {"step": stop, "total_steps": tc.steps, "pairs": n, "open_mouth_pairs": len(open_idx),
               "seconds": round(time.time() - t0, 1), "user_cpu_seconds": round(c1.user - c0.user, 1),
               "last_metrics": last, "refiner_parameters": sum(p.numel() for p in trainer.G.parameters()),
               "mouth_parameters": sum(p.numel() for p in trainer.M.parameters())}
    prev_summary = run_dir / "summary.json"
    if resume and prev_summary.is_file():
        try:
            old = json.loads(prev_summary.read_text())
            summary["user_cpu_seconds_all_sessions"] = round(old.get("user_cpu_seconds_all_sessions",
                                                                   old.get("user_cpu_seconds", 0)) + summary["user_cpu_seconds"], 1)
        except ValueError:
            pass
    summary.setdefault("user_cpu_seconds_all_sessions", summary["user_cpu_seconds"])
    prev_summary.write_text(json.dumps(summary, indent=1))
    return {"run_dir": run_dir, "step": stop, "total_steps": tc.steps, "seconds": summary["seconds"],
            "weights": [run_dir / REFINER_FILE, run_dir / MOUTH_FILE], "last_metrics": last}
