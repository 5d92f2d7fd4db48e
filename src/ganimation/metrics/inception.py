"""FID and KID on features of a user-supplied TorchScript Inception network.

Nothing is downloaded: the user passes a path (``--inception PATH`` on the
command line). The expected file is the widely used TorchScript
``inception-2015-12-05.pt`` (the TF-Inception port from NVIDIA's
stylegan2-ada-pytorch metrics), which is called as
``net(images, return_features=True)`` with uint8 ``(N, 3, H, W)`` images in
[0, 255] of any size (it resizes to 299x299 itself) and returns ``(N, 2048)``
pool features. Any other TorchScript module that maps ``(N, 3, H, W)`` float
images in [0, 255] to ``(N, D)`` features also works; such a module gets
float32 input (its ``forward`` must not take ``return_features``).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import numpy as np

from ganimation.errors import CheckpointError, ImageError, MissingDependencyError
from ganimation.metrics import distribution

log = logging.getLogger(__name__)

MISSING_MESSAGE = (
    "FID/KID need an Inception feature network: pass --inception PATH to a TorchScript file "
    "(e.g. inception-2015-12-05.pt); nothing is downloaded"
)


class InceptionFeatures:
    """A loaded feature network: ``features(images uint8 (N, H, W, 3)) -> (N, D)`` float64.

    Build it with :func:`load_inception`. ``uses_return_features`` tells
    whether the module is called the Inception-file way
    (``net(uint8 NCHW, return_features=True)``) or as a plain feature module
    (``net(float32 NCHW in [0, 255])``).
    """

    def __init__(self, net, *, device: str = "cpu", batch_size: int = 50):
        self.net = net
        self.device = device
        self.batch_size = int(batch_size)
        try:
            names = [arg.name for arg in net.forward.schema.arguments]
        except (AttributeError, RuntimeError):
            names = []
        self.uses_return_features = "return_features" in names

    def features(self, images) -> np.ndarray:
        """Features ``(N, D)`` float64 of RGB images ``(N, H, W, 3)`` or ``(H, W, 3)``, uint8."""
        import torch

        if hasattr(images, "detach"):
            images = images.detach().cpu().numpy()
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[None]
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ImageError(f"images have shape {images.shape}; expected (N, H, W, 3) RGB")
        if images.dtype != np.uint8:
            raise ImageError(f"images have dtype {images.dtype}; expected uint8 in [0, 255]")
        if images.shape[0] == 0:
            raise ImageError("no images given")
        out = []
        with torch.no_grad():
            for s in range(0, images.shape[0], self.batch_size):
                x = torch.from_numpy(images[s:s + self.batch_size].copy()).permute(0, 3, 1, 2)
                x = x.to(self.device)
                if self.uses_return_features:
                    f = self.net(x, return_features=True)
                else:
                    f = self.net(x.to(torch.float32))
                if not isinstance(f, torch.Tensor):
                    raise CheckpointError("the Inception network did not return a tensor of features")
                f = f.reshape(f.shape[0], -1) if f.ndim > 2 else f
                if f.ndim != 2 or f.shape[0] != x.shape[0]:
                    raise CheckpointError(
                        f"the Inception network returned shape {tuple(f.shape)} for {x.shape[0]} images; "
                        "expected (N, D) features"
                    )
                out.append(f.detach().to("cpu", torch.float64).numpy())
        feats = np.concatenate(out)
        if not np.all(np.isfinite(feats)):
            raise CheckpointError("the Inception network returned NaN or infinite features")
        return feats

    __call__ = features


def load_inception(path: str | os.PathLike | None, *, device: str = "cpu", batch_size: int = 50) -> InceptionFeatures:
    """Load a TorchScript feature network from ``path`` (never downloads).

    Raises :class:`MissingDependencyError` when ``path`` is None or no file
    is there, and :class:`CheckpointError` when the file is not TorchScript.
    """
    if path is None or str(path).strip() == "":
        raise MissingDependencyError(MISSING_MESSAGE)
    path = Path(path).expanduser()
    if not path.is_file():
        raise MissingDependencyError(f"{path}: no such file. {MISSING_MESSAGE}")
    import torch

    try:
        with warnings.catch_warnings():
            # TorchScript is deprecated in recent torch, but it is the format of the FID network file.
            warnings.simplefilter("ignore", DeprecationWarning)
            net = torch.jit.load(str(path), map_location=device)
    except (RuntimeError, ValueError, OSError) as exc:
        raise CheckpointError(
            f"{path}: not a TorchScript feature network ({type(exc).__name__}); "
            "give the TorchScript inception-2015-12-05.pt or another torch.jit-saved module"
        ) from exc
    net.eval()
    log.info("loaded feature network %s", path)
    return InceptionFeatures(net, device=device, batch_size=batch_size)


def fid(real_images, fake_images, net: InceptionFeatures) -> float:
    """FID between two image sets (uint8 ``(N, H, W, 3)`` each) on ``net``'s features."""
    return distribution.fid_from_features(net.features(real_images), net.features(fake_images))


def kid(real_images, fake_images, net: InceptionFeatures, **kwargs) -> tuple[float, float]:
    """KID ``(mean, std)`` between two image sets; ``kwargs`` go to :func:`distribution.kid`."""
    return distribution.kid(net.features(real_images), net.features(fake_images), **kwargs)
