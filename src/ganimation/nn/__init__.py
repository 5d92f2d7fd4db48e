"""Networks. They know nothing of files, the CLI or the UI; they import only torch."""

from ganimation.nn.critic import Critic
from ganimation.nn.generator import Generator, compose

__all__ = ["Generator", "Critic", "compose", "build_generator", "build_critic"]


def build_generator(cfg):
    """The generator for ``cfg`` (a :class:`ganimation.config.ModelConfig`)."""
    if cfg.arch == "defgan":
        from ganimation.nn.defgan import DefGANGenerator

        return DefGANGenerator(cfg)
    return Generator(cfg.image_size, cfg.num_aus, cfg.g_channels, cfg.g_res_blocks, cfg.upsample)


def build_critic(cfg):
    return Critic(cfg.image_size, cfg.num_aus, cfg.d_channels, cfg.d_layers)
