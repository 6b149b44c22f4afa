"""What kind of figure an image is (plot, heatmap, micrograph, diagram, ...), zero-shot with the CLIP model.

Each type is described by a few prompts; their text embeddings are averaged (prompt ensembling, as in the
CLIP paper) and the image takes the type whose description it is closest to. The softmax probability of that
type, at the model's own logit scale, is kept as the confidence. Without a CLIP model the type is `unknown`.
"""

from __future__ import annotations

import torch

from s1mm_assets.lib.score.clip import ClipModel

UNKNOWN = "unknown"

FIGURE_TYPES: dict[str, tuple[str, ...]] = {
    "line_plot": ("a line plot", "a line chart with axes and curves"),
    "scatter_plot": ("a scatter plot", "a scatter plot of data points"),
    "bar_chart": ("a bar chart", "a bar graph with error bars"),
    "heatmap": ("a heatmap", "a colour-coded matrix heatmap"),
    "micrograph": ("a microscopy image", "a micrograph with a scale bar"),
    "diagram": ("a schematic diagram", "a flowchart with boxes and arrows"),
    "photo": ("a photograph", "a photo of an experimental setup"),
    "table": ("a table", "a table of numbers rendered as an image"),
    "chemical_structure": ("a chemical structure", "a molecular structure drawing"),
    "map": ("a map", "a geographic map"),
}
TEMPLATES = ("{}", "a scientific figure showing {}", "{} from a research paper")


def classify(model: ClipModel, image_embeddings: torch.Tensor) -> list[tuple[str, float | None]]:
    """(type, confidence) per image row; (`unknown`, None) for a row that holds no embedding."""
    names = list(FIGURE_TYPES)
    prompts = [template.format(prompt) for name in names for prompt in FIGURE_TYPES[name] for template in TEMPLATES]
    embedded = model.text_embeddings(prompts)
    per_type = embedded.reshape(len(names), -1, embedded.shape[-1]).mean(dim=1)
    per_type = torch.nn.functional.normalize(per_type, dim=-1)
    scale = float(model.model.logit_scale.detach().exp()) if hasattr(model.model, "logit_scale") else 100.0
    probabilities = torch.softmax(scale * image_embeddings @ per_type.T, dim=-1)
    results: list[tuple[str, float | None]] = []
    for row in probabilities:
        if torch.isnan(row).any():
            results.append((UNKNOWN, None))
        else:
            best = int(torch.argmax(row))
            results.append((names[best], float(row[best])))
    return results
