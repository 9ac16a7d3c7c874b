"""The pipeline's layers; each emits its DDL and its transformation as Snowpark DataFrame code."""

from moviecdc.layers.base import Layer
from moviecdc.layers.bronze import BronzeLayer
from moviecdc.layers.gold import GoldLayer
from moviecdc.layers.raw import RawSource
from moviecdc.layers.silver import SilverLayer

__all__ = ["BronzeLayer", "GoldLayer", "Layer", "RawSource", "SilverLayer"]
