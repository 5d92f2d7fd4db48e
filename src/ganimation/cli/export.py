"""``ganimation export``: write the generator as an ONNX model (for ONNX Runtime),
or as a smaller safetensors release (``-o OUT.safetensors --half``)."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="export the generator to ONNX or an fp16 release", description=__doc__)
    p.add_argument("--weights", "-w", required=True, help="release weights (.safetensors)")
    p.add_argument("-o", "--output", required=True, help="output model: .onnx, or .safetensors for a release copy")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    p.add_argument("--static-batch", action="store_true", help="fix the batch axis to 1 (default: dynamic)")
    p.add_argument("--check", action="store_true",
                   help="run the model with ONNX Runtime on random faces and print the max abs "
                        "difference from PyTorch (fails above 1e-3)")
    p.add_argument("--half", action="store_true", help="with a .safetensors output: store the weights as fp16")
    p.set_defaults(func=run)


def run(args) -> int:
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
