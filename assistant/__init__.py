"""Question answering over Arabic and English news articles, with every answer sentence cited to a verified span."""

__version__ = "0.1.0"
