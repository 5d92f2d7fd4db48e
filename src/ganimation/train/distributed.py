"""Process-group set-up for ``torchrun`` (DDP): NCCL on GPUs, gloo on CPU."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup(device_pref: str = "auto") -> DistInfo:
    """Initialise the default process group when launched by ``torchrun`` with >1 process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    rank = int(os.environ["RANK"])
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() and device_pref != "cpu"
    if not dist.is_initialized():
        if use_cuda:
            torch.cuda.set_device(local)
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return DistInfo(rank=rank, local_rank=local, world_size=world)


def resolve_device(pref: str, info: DistInfo) -> torch.device:
    """``train.device`` checked by :func:`ganimation.devices.resolve_device`; ``cuda`` under DDP is this rank's GPU."""
    from ganimation.devices import resolve_device as checked

    device = checked(pref, what="train.device")
    if device.type == "cuda" and device.index is None and info.enabled:
        return torch.device("cuda", info.local_rank)
    return device


def mean_across(values: dict[str, torch.Tensor], info: DistInfo) -> dict[str, torch.Tensor]:
    """Average each scalar over ranks (one collective for all of them)."""
    if not info.enabled or not values:
        return values
    keys = sorted(values)
    stacked = torch.stack([values[k].float() for k in keys])
    dist.all_reduce(stacked, op=dist.ReduceOp.SUM)
    stacked /= info.world_size
    return dict(zip(keys, stacked))


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def cleanup(info: DistInfo, *, finished: bool = False) -> None:
    """Leave the process group. ``finished`` (the run ended normally): the ranks first meet at a
    barrier, so none tears the group down while another still uses it; and the DDP wrappers left
    unreferenced are collected while the group they hold still exists (a rank once aborted at exit
    with "terminate called without an active exception" after a finished run on a loaded machine).
    After an error there is no barrier: the other ranks may be gone."""
    if info.enabled and dist.is_initialized():
        if finished:
            import gc

            dist.barrier()
            gc.collect()
        dist.destroy_process_group()
