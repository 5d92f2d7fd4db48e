"""Configuration: frozen dataclasses for model, loss, data and training.

A :class:`Config` is built from defaults, an optional YAML file and
``key=value`` overrides (``train.batch_size=8``). The model config travels in
every checkpoint so a weights file rebuilds its network.

Loss presets (``loss.preset``):

- ``official`` (default): the forms of the authors' released code, which is
  what trains stably in practice: attention TV as an L1 sum with weight 1e-5,
  attention magnitude ``mean(A)`` with 0.1, AU regression as the mean squared
  error with effective weight 160 (their 4000 divided by the batch size 25),
  cycle L1 with 10, gradient penalty 10 taking its own optimiser step.
- ``paper``: the equations of the ECCV 2018 paper: TV as a sum of squared
  differences with lambda_A * lambda_TV = 0.1 * 1e-4, attention magnitude as
  the L2 norm of A with lambda_A = 0.1, AU regression as the squared L2 norm
  over the 17 AUs with lambda_y = 4000, cycle L1 (per-pixel mean) with 10,
  gradient penalty 10 in the same step as the critic loss.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ganimation.errors import ConfigError, one_line

#: Network architectures (``model.arch``).
ARCHS = ("ganimation", "defgan")
#: Decoder upsampling modes (``model.upsample``); :func:`ganimation.nn.blocks.up_in_relu` builds them.
UPSAMPLE_MODES = ("transpose", "resize")
#: Where the decoded training set lives (``data.cache``).
CACHE_MODES = ("auto", "memory", "disk")
#: Mixed precision modes (``train.amp``).
AMP_MODES = ("none", "bf16")


def check_range(name: str, value, lo: float | None = None, hi: float | None = None, *,
                lo_open: bool = False, hi_open: bool = False, hint: str = "") -> None:
    """Raise :class:`ConfigError` unless ``value`` is a finite number in the range.

    ``lo``/``hi`` are inclusive unless ``lo_open``/``hi_open``; ``None`` means
    unbounded. ``name`` is the config key (``train.lr_g``) shown to the user.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and lo is not None:
        ok = value > lo if lo_open else value >= lo
    if ok and hi is not None:
        ok = value < hi if hi_open else value <= hi
    if not ok:
        def fmt(v) -> str:
            return str(v) if float(v).is_integer() else f"{v:g}"

        if hi is None:
            where = f"> {fmt(lo)}" if lo_open else f">= {fmt(lo)}"
        else:
            where = f"in {'(' if lo_open else '['}{fmt(lo)}, {fmt(hi)}{')' if hi_open else ']'}"
        number = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
        raise ConfigError(f"{name}={one_line(repr(value), 40)} must be {'' if number else 'a finite number '}"
                          f"{where}{'; ' + hint if hint else ''}")


@dataclass(frozen=True)
class ModelConfig:
    """Network architecture; everything needed to rebuild the networks."""

    arch: str = "ganimation"
    image_size: int = 128
    num_aus: int = 17
    g_channels: int = 64      # generator base width
    g_res_blocks: int = 6     # generator bottleneck residual blocks
    d_channels: int = 64      # critic base width
    d_layers: int = 6         # critic stride-2 convolutions
    upsample: str = "transpose"  # decoder upsampling: transpose (paper: 4x4 stride-2) or resize (nearest x2 + 3x3)
    # DefGAN only (ignored by ganimation):
    max_offset: float = 0.0   # largest offset (pixels at image_size); 0 = 5 px per 128 px of image_size
    def_channels: int = 0     # deformation network base width; 0 = g_channels
    def_res_blocks: int = -1  # deformation network residual blocks; -1 = g_res_blocks

    def offset_limit(self) -> float:
        """DefGAN's largest offset in pixels at ``image_size`` (5 px at 128 px by default)."""
        return float(self.max_offset) if self.max_offset > 0 else 5.0 * self.image_size / 128.0

    def deform_channels(self) -> int:
        return self.def_channels if self.def_channels > 0 else self.g_channels

    def deform_res_blocks(self) -> int:
        return self.def_res_blocks if self.def_res_blocks >= 0 else self.g_res_blocks

    def validate(self) -> "ModelConfig":
        """Check every field against its range (also for configs read from a weights file)."""
        if self.arch not in ARCHS:
            raise ConfigError(f"model.arch={one_line(repr(self.arch), 40)}; choose {' or '.join(ARCHS)}")
        if self.upsample not in UPSAMPLE_MODES:
            raise ConfigError(f"model.upsample={one_line(repr(self.upsample), 40)}; "
                              f"choose {' or '.join(UPSAMPLE_MODES)}")
        for name, (lo, hi) in MODEL_RANGES.items():
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise ConfigError(f"model.{name}={one_line(repr(value), 40)} must be a whole number")
            check_range(f"model.{name}", value, lo, hi)
        check_range("model.max_offset", self.max_offset, 0, float(self.image_size), hint="0 = 5 px per 128 px")
        if self.image_size % (2 ** self.d_layers) or self.image_size % 4:
            raise ConfigError(
                f"model.image_size={self.image_size} must be divisible by 2**model.d_layers={2 ** self.d_layers}"
            )
        return self


#: Allowed ranges of the whole-number model fields (inclusive). The upper
#: bounds keep a damaged or hostile weights file from allocating terabytes.
MODEL_RANGES: dict[str, tuple[int, int]] = {
    "image_size": (8, 2048),
    "num_aus": (1, 64),
    "g_channels": (1, 1024),
    "g_res_blocks": (0, 64),
    "d_channels": (1, 1024),
    "d_layers": (1, 11),
    "def_channels": (0, 1024),     # 0 = g_channels
    "def_res_blocks": (-1, 64),    # -1 = g_res_blocks
}


LOSS_PRESETS: dict[str, dict[str, Any]] = {
    "official": dict(adv=1.0, gp=10.0, au=160.0, au_form="mse_mean", cycle=10.0,
                     mask=0.1, mask_form="mean", tv=1e-5, tv_form="l1_sum", gp_separate_step=True),
    "paper": dict(adv=1.0, gp=10.0, au=4000.0, au_form="sq_sum", cycle=10.0,
                  mask=0.1, mask_form="l2", tv=1e-5, tv_form="l2_sum", gp_separate_step=False),
}


@dataclass(frozen=True)
class LossConfig:
    """Loss forms and weights. See the module docstring for the presets."""

    preset: str = "official"
    adv: float = 1.0
    gp: float = 10.0
    au: float = 160.0
    au_form: str = "mse_mean"       # mse_mean | sq_sum
    cycle: float = 10.0
    mask: float = 0.1
    mask_form: str = "mean"         # mean | l2
    tv: float = 1e-5
    tv_form: str = "l1_sum"         # l1_sum | l2_sum
    gp_separate_step: bool = True
    # DefGAN only (model.arch=defgan; GANimation never reads them). Offsets in pixels.
    def_au_warp: float = 1.0        # AU loss on the warped image, as a multiple of `au`
    def_grid_comp: float = 1.0      # cycle grids compose to the identity: mean |composed offset|
    def_grid_tv: float = 1.0        # offset total variation: mean |neighbour difference|, both grids
    def_grid_id: float = 0.01       # closeness to the identity grid: mean squared offset, both grids
    def_identity: float = 1.0       # face-identity distance input vs warped (dlib ResNet port); 0 = off

    @staticmethod
    def from_preset(name: str, **overrides) -> "LossConfig":
        if name not in LOSS_PRESETS:
            raise ConfigError(f"loss.preset={name!r}; choose one of {', '.join(LOSS_PRESETS)}")
        return LossConfig(preset=name, **{**LOSS_PRESETS[name], **overrides}).validate()

    def validate(self) -> "LossConfig":
        choices = {"au_form": ("mse_mean", "sq_sum"), "mask_form": ("mean", "l2"), "tv_form": ("l1_sum", "l2_sum")}
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise ConfigError(f"loss.{key}={getattr(self, key)!r}; choose one of {', '.join(allowed)}")
        for f in fields(self):
            if f.name not in ("preset", "gp_separate_step") and not f.name.endswith("_form"):
                check_range(f"loss.{f.name}", getattr(self, f.name), 0)
        return self


@dataclass(frozen=True)
class DataConfig:
    """Where the training faces come from."""

    path: str = ""
    split: str = "train"
    cache: str = "auto"             # auto | memory | disk
    cache_max_gb: float = 12.0      # 'auto' keeps the decoded set in memory below this
    num_workers: int = 0            # DataLoader workers for the disk path

    def validate(self) -> "DataConfig":
        if self.cache not in CACHE_MODES:
            raise ConfigError(f"data.cache={one_line(repr(self.cache), 40)}; choose one of {', '.join(CACHE_MODES)}")
        check_range("data.cache_max_gb", self.cache_max_gb, 0)
        check_range("data.num_workers", self.num_workers, 0, 256, hint="0 = load in the main process")
        if not self.split.strip():
            raise ConfigError("data.split is empty; use train, test or all")
        return self


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation schedule and run-time options."""

    batch_size: int = 25
    lr_g: float = 1e-4
    lr_d: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.999
    epochs: int = 30
    decay_epochs: int = 10          # linear decay to zero over the last epochs
    steps: int = 0                  # total critic steps; 0 = epochs * steps per epoch
    n_critic: int = 5               # critic steps per generator step
    au_warmup: int = 0              # critic steps on the AU loss alone before training (0 = off)
    target_noise: float = 0.1       # targets = another sample's AUs + U(-noise, noise)
    clamp_targets: bool = True
    flip: bool = True
    seed: int = 0
    device: str = "auto"            # auto | cpu | cuda | cuda:N
    amp: str = "none"               # none | bf16 (GPU, or a CPU with AVX512-BF16/AMX)
    ema: float = 0.0                # generator EMA decay (0 = off), e.g. 0.999
    channels_last: bool = False
    compile: bool = False
    log_every: int = 50
    sample_every: int = 500
    save_every: int = 1000
    progress: bool = True

    def validate(self) -> "TrainConfig":
        """Check every value against its range before any data or network is touched."""
        check_range("train.batch_size", self.batch_size, 1)
        check_range("train.n_critic", self.n_critic, 1)
        check_range("train.au_warmup", self.au_warmup, 0, hint="0 = no warm-up")
        for name in ("lr_g", "lr_d"):
            check_range(f"train.{name}", getattr(self, name), 0, 1, lo_open=True, hint="e.g. 1e-4")
        for name in ("beta1", "beta2"):
            check_range(f"train.{name}", getattr(self, name), 0, 1, hi_open=True)
        check_range("train.epochs", self.epochs, 0)
        check_range("train.steps", self.steps, 0, hint="0 = epochs x steps per epoch")
        if self.epochs == 0 and self.steps == 0:
            raise ConfigError("train.epochs and train.steps are both 0; set one of them")
        check_range("train.decay_epochs", self.decay_epochs, 0)
        if self.decay_epochs > self.epochs:
            raise ConfigError("train.decay_epochs cannot exceed train.epochs")
        check_range("train.target_noise", self.target_noise, 0, 1)
        check_range("train.seed", self.seed, 0, 2 ** 32 - 1)
        check_range("train.ema", self.ema, 0, 1, hi_open=True, hint="0 = off, e.g. 0.999")
        for name in ("log_every", "sample_every", "save_every"):
            check_range(f"train.{name}", getattr(self, name), 1, hint="a number of steps")
        if self.amp not in AMP_MODES:
            raise ConfigError(f"train.amp={one_line(repr(self.amp), 40)}; choose none or bf16")
        if not self.device.strip():
            raise ConfigError("train.device is empty; use auto, cpu, cuda or cuda:N")
        return self


#: Training defaults that depend on the architecture, applied by :meth:`Config.from_dict`
#: (hence by ``load_config`` and the CLI) unless the ``train`` section sets the key.
ARCH_TRAIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "defgan": {"n_critic": 10},     # DefGAN trains the critic 10 steps per generator step
}


@dataclass(frozen=True)
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @staticmethod
    def from_dict(d: dict | None) -> "Config":
        if d is not None and not isinstance(d, dict):
            raise ConfigError("a config is a mapping with sections model, loss, data, train")
        d = dict(d or {})
        unknown = set(d) - {"model", "loss", "data", "train"}
        if unknown:
            names = ", ".join(one_line(repr(k), 40) for k in sorted(map(str, unknown))[:5])
            raise ConfigError(f"unknown config section(s) {names}; use model, loss, data, train")
        for section in ("model", "loss", "data", "train"):
            if d.get(section) is not None and not isinstance(d[section], dict):
                raise ConfigError(f"config section {section!r} must be a mapping of key: value, "
                                  f"not {type(d[section]).__name__}")
        loss_d = dict(d.get("loss") or {})
        preset = loss_d.pop("preset", "official")
        _check_keys(LossConfig, loss_d, "loss")
        model = _build(ModelConfig, d.get("model"), "model").validate()
        train_d = dict(d.get("train") or {})
        for key, value in ARCH_TRAIN_DEFAULTS.get(model.arch, {}).items():
            train_d.setdefault(key, value)
        return Config(
            model=model,
            loss=LossConfig.from_preset(preset, **_coerce(LossConfig, loss_d, "loss")),
            data=_build(DataConfig, d.get("data"), "data").validate(),
            train=_build(TrainConfig, train_d, "train").validate(),
        )

    @staticmethod
    def from_json(text: str) -> "Config":
        try:
            d = json.loads(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
            raise ConfigError(f"stored config is not valid JSON ({one_line(exc, 80)})") from None
        return Config.from_dict(d)


def _check_keys(cls, d: dict, section: str) -> None:
    names = {f.name for f in fields(cls)}
    unknown = set(d) - names
    if unknown:
        shown = sorted(map(str, unknown))
        listed = ", ".join(one_line(f"{section}.{k}", 40) for k in shown[:3]) + (" ..." if len(shown) > 3 else "")
        raise ConfigError(f"unknown key(s) {listed}; valid: {', '.join(sorted(names))}")


def _coerce(cls, d: dict, section: str) -> dict:
    out = {}
    types = {f.name: f.type for f in fields(cls)}
    for key, value in d.items():
        t = types[key] if isinstance(types[key], str) else types[key].__name__
        try:
            if t == "bool":
                if isinstance(value, str):
                    if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError(value)
                    value = value.lower() in ("true", "1", "yes")
                out[key] = bool(value)
            elif t == "int":
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError(value)
                out[key] = int(value)
            elif t == "float":
                out[key] = float(value)
            else:
                out[key] = str(value)
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(f"{section}.{key}={one_line(repr(value), 40)} is not a valid {t}") from None
    return out


def _build(cls, d: dict | None, section: str):
    d = dict(d or {})
    _check_keys(cls, d, section)
    return cls(**_coerce(cls, d, section))


def parse_overrides(items: list[str] | None) -> dict:
    """``["train.batch_size=8", "loss.preset=paper"]`` -> nested dict (YAML scalars)."""
    import yaml

    out: dict = {}
    for item in items or []:
        if "=" not in item or "." not in item.split("=", 1)[0]:
            raise ConfigError(f"--set {one_line(repr(item), 60)}: write section.key=value, e.g. train.batch_size=8")
        key, value = item.split("=", 1)
        section, name = key.strip().split(".", 1)
        try:
            parsed = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            parsed = value
        out.setdefault(section, {})[name] = parsed
    return out


def merge(base: dict, extra: dict) -> dict:
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for section, values in extra.items():
        if isinstance(values, dict):
            out.setdefault(section, {})
            out[section] = {**(out[section] or {}), **values}
        else:
            out[section] = values
    return out


def load_config(path: str | Path | None = None, overrides: list[str] | None = None,
                base: dict | None = None) -> Config:
    """Defaults <- ``base`` <- YAML file <- ``key=value`` overrides."""

    d = dict(base or {})
    if path:
        d = merge(d, read_config_file(path, "model/loss/data/train"))
    d = merge(d, parse_overrides(overrides))
    return Config.from_dict(d)


def read_config_file(path, sections: str) -> dict:
    """The mapping in the YAML file ``path``; a one-line :class:`ConfigError` when it is missing or not a
    mapping (``sections`` names what it should hold, e.g. ``"model/loss/data/train"``)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} not found")
    loaded = _read_yaml(p)
    if not isinstance(loaded, dict):
        raise ConfigError(f"{p}: expected a mapping with sections {sections}")
    return loaded


def _read_yaml(path: Path):
    """``yaml.safe_load`` of ``path`` (plain data only, never objects), with one-line errors."""
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file; a config is YAML with sections model/loss/data/train") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a config") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigError(f"{path}: invalid YAML{where} ({one_line(problem, 80)}); fix the file") from None


def save_config(config: Config, path: str | Path) -> None:
    import yaml

    Path(path).write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))


def model_config_from_dict(d: dict, *, strict: bool = False) -> ModelConfig:
    """A validated :class:`ModelConfig` from a dict.

    ``strict`` (configs stored in weights files) refuses values of the wrong
    JSON type, such as an image size given as a string, instead of converting them.
    """
    if not isinstance(d, dict):
        raise ConfigError(f"a model config is a mapping of key: value, not {type(d).__name__}")
    if strict:
        _check_types(ModelConfig, d, "model")
    return _build(ModelConfig, d, "model").validate()


def _check_types(cls, d: dict, section: str) -> None:
    """Refuse values whose type does not match the field (no string-to-number conversion)."""
    types = {f.name: (f.type if isinstance(f.type, str) else f.type.__name__) for f in fields(cls)}
    accepted = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}
    for key, value in d.items():
        t = types.get(key)
        if t is None:
            continue  # _check_keys names unknown keys
        ok = isinstance(value, accepted.get(t, (object,)))
        if t in ("int", "float") and isinstance(value, bool):
            ok = False
        if not ok:
            raise ConfigError(f"{section}.{key}={one_line(repr(value), 40)} must be a {t}, "
                              f"not {type(value).__name__}")


def replace_train(config: Config, **kwargs) -> Config:
    return replace(config, train=replace(config.train, **kwargs).validate())
