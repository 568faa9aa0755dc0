from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Indicators and signals"

    def ready(self):
        from indicators import receivers  # noqa: F401 (reads the health parts after imports)
