"""``ganimation export``: write the generator as an ONNX model (for ONNX Runtime),
or as a smaller safetensors release (``-o OUT.safetensors --half``)."""

from __future__ import annotations

from ganimation.cli import types


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="export the generator to ONNX or an fp16 release", description=__doc__)
    p.add_argument("--weights", "-w", default=None,
                   help="release weights (.safetensors); default: the shipped model")
    p.add_argument("-o", "--output", required=True, help="output model: .onnx, or .safetensors for a release copy")
    p.add_argument("--opset", type=types.int_range(9, 23, name="opset"), default=17, help="ONNX opset, 9 to 23 (default 17)")
    p.add_argument("--static-batch", action="store_true", help="fix the batch axis to 1 (default: dynamic)")
    p.add_argument("--check", action="store_true",
                   help="run the model with ONNX Runtime on random faces and print the max abs "
                        "difference from PyTorch (fails above 1e-3)")
    p.add_argument("--half", action="store_true", help="with a .safetensors output: store the weights as fp16")
    p.add_argument("--overwrite", action="store_true", help="allow the output to replace the input weights")
    p.set_defaults(func=run)


def run(args) -> int:
    from ganimation.edit import DEFAULT_WEIGHTS
    from ganimation.errors import MissingDependencyError
    from ganimation.video import validate_output_path

    if args.weights is None:
        if not DEFAULT_WEIGHTS.is_file():
            raise MissingDependencyError("no shipped weights in this installation; pass --weights FILE.safetensors")
        args.weights = str(DEFAULT_WEIGHTS)
    validate_output_path(args.output, inputs=[args.weights], suffixes=(".onnx", ".safetensors"),
                         overwrite=args.overwrite)
    if str(args.output).lower().endswith(".safetensors"):
        import torch

        from ganimation.checkpoint import convert_release

        convert_release(args.weights, args.output, torch.float16 if args.half else torch.float32)
        print(f"wrote {args.output} ({'fp16' if args.half else 'fp32'}) from {args.weights}")
        return 0
    from ganimation.export import export_onnx

    diff = export_onnx(args.weights, args.output, opset=args.opset, dynamic_batch=not args.static_batch,
                       check=args.check, check_batch=1 if args.static_batch else 2)
    print(f"exported {args.weights} -> {args.output} (opset {args.opset})")
    if diff is not None:
        print(f"ONNX Runtime vs PyTorch: max abs difference {diff:.3g}")
    return 0
