"""Widgets drawn with Rich renderables: charts, heatmaps, token strips, bars, panels."""
