"""The texture stage of geometry-first editing: the canonical face canvas and the AU shading model."""
