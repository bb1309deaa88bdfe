"""`python -m kubesim --listen HOST:PORT --kubeconfig FILE [--seed/--no-seed] [--token T]`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from kubesim import Simulator


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kubesim", description="Kubernetes API server simulator on loopback.")
    p.add_argument("--listen", type=parse_listen, default=("127.0.0.1", 0), metavar="HOST:PORT",
                   help="address to serve on; port 0 picks a free port (default 127.0.0.1:0)")
    p.add_argument("--kubeconfig", metavar="FILE", help="write a kubeconfig pointing at the simulator here")
    p.add_argument("--context-name", default="kubesim", help="cluster/context/user name in the kubeconfig")
    p.add_argument("--seed", action=argparse.BooleanOptionalAction, default=True,
                   help="start with the demo cluster (default) or a bare one")
    p.add_argument("--token", help="require this bearer token")
    p.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--tls-key", help="private key for --tls-cert (PEM)")
    p.add_argument("--log-interval", type=float, default=1.0, help="seconds between generated log lines")
    return p


async def serve(args: argparse.Namespace) -> None:
    sim = Simulator(seed=args.seed, token=args.token, log_interval=args.log_interval,
                    tls_cert=args.tls_cert, tls_key=args.tls_key)
    host, port = args.listen
    await sim.start_async(host, port)
    if args.kubeconfig:
        sim.write_kubeconfig(args.kubeconfig, args.context_name)
    print(f"kubesim listening on {sim.url}" + (f" (kubeconfig: {args.kubeconfig})" if args.kubeconfig else ""),
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await sim.stop_async()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
