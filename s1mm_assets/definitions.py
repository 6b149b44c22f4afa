"""The s1mm code location: every stage's assets and checks, the resources, and the automation sensor."""

import warnings

import dagster as dg

# Partitioned asset checks are a preview feature in 1.13; we rely on them deliberately (results per partition).
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
warnings.filterwarnings("ignore", category=dg.BetaWarning)

from s1mm_assets.defs.cluster import executor_for  # noqa: E402
from s1mm_assets.defs.contexts.assets import contexts  # noqa: E402
from s1mm_assets.defs.dataset_report.assets import dataset_report  # noqa: E402
from s1mm_assets.defs.enhanced_captions.assets import enhanced_captions  # noqa: E402
from s1mm_assets.defs.figure_ownership.assets import figure_ownership  # noqa: E402
from s1mm_assets.defs.figures.assets import figures  # noqa: E402
from s1mm_assets.defs.jobs import dataset_report_job, pipeline_job  # noqa: E402
from s1mm_assets.defs.loaded_settings import LOADED_SETTINGS  # noqa: E402
from s1mm_assets.defs.paper_listing.assets import paper_listing  # noqa: E402
from s1mm_assets.defs.quality_scores.assets import quality_scores  # noqa: E402
from s1mm_assets.defs.raw_papers.assets import raw_papers  # noqa: E402
from s1mm_assets.defs.release_shards.assets import release_shards  # noqa: E402
from s1mm_assets.defs.resources import resources_from_settings  # noqa: E402

# The pipeline of one partition, in order; the dataset report runs after it, over every partition.
ASSETS = [
    paper_listing,
    raw_papers,
    figures,
    contexts,
    enhanced_captions,
    quality_scores,
    figure_ownership,
    release_shards,
]

automation_sensor = dg.AutomationConditionSensorDefinition(
    "release_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Releases a partition once its quality checks pass, in whatever run they passed.",
)

defs = dg.Definitions(
    assets=[*ASSETS, dataset_report],
    jobs=[pipeline_job, dataset_report_job],
    sensors=[automation_sensor],
    resources=resources_from_settings(LOADED_SETTINGS),
    executor=executor_for(LOADED_SETTINGS.cluster),  # S1MM_EXECUTOR=k8s: a pod per step on a cluster
)
