#!/usr/bin/python3
"""PyTorch CPU reference for test/bench/compute.ts: the same 3-layer conv net as
test/compute/fixtures/tiny-conv.ts (32x32x3 -> conv4 s2 (32) -> lrelu -> conv4 s2 (64) -> lrelu ->
conv3 s1 (3), MSE onto the 4x4 average-pooled input, Adam 1e-3, batch 32), plus the conv layer
GFLOP/s of the same VAE-like layers (forward, dx, dW via autograd).

Run with the system interpreter that has PyTorch 1.13: `/usr/bin/python3 test/bench/torch_conv.py`.
Prints one JSON object. Threads: 2 (the machine's cores) and 1, as `torch.set_num_threads`.
"""
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def tiny_net(width=32):
    # 'same' padding of tfjs for these even sizes is symmetric: k4 s2 -> pad 1, k3 s1 -> pad 1.
    return nn.Sequential(
        nn.Conv2d(3, width, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(2 * width, 3, 3, 1, 1),
    )


def train_rate(threads, steps=10, batch=32):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = tiny_net()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = torch.rand(batch, 3, 32, 32) * 2 - 1
    target = F.avg_pool2d(x, 4)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(net(x), target)
        loss.backward()
        opt.step()
        return loss.item()

    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    s = time.perf_counter() - t0
    return steps / s, steps * batch / s


def conv_rates(threads, reps=3):
    torch.set_num_threads(threads)
    out = {}
    for name, h, ci, co, k, s, p in [("k4s2_64px_32to64", 64, 32, 64, 4, 2, 1), ("k3s1_32px_64to64", 32, 64, 64, 3, 1, 1)]:
        x = torch.randn(32, ci, h, h, requires_grad=True)
        w = torch.randn(co, ci, k, k, requires_grad=True)
        y = F.conv2d(x, w, stride=s, padding=p)
        dy = torch.randn_like(y)
        gflop = 2 * 32 * y.shape[2] * y.shape[3] * k * k * ci * co / 1e9
        ops = {
            "fwd": lambda: F.conv2d(x, w, stride=s, padding=p),
            "dx": lambda: torch.nn.grad.conv2d_input(x.shape, w, dy, stride=s, padding=p),
            "dW": lambda: torch.nn.grad.conv2d_weight(x, w.shape, dy, stride=s, padding=p),
        }
        for op, f in ops.items():
            with torch.no_grad():
                f()
                ts = []
                for _ in range(reps):
                    t0 = time.perf_counter()
                    f()
                    ts.append(time.perf_counter() - t0)
            ts.sort()
            out[f"conv_{name}_{op}_torch_{threads}t_gflops"] = round(gflop / ts[len(ts) // 2], 2)
    return out


def main():
    res = {"torch": torch.__version__, "note": "measured on a shared, loaded 2-core machine"}
    for threads in (1, 2):
        sps, ips = train_rate(threads)
        res[f"train_tinyconv_torch_{threads}t_steps_per_s"] = round(sps, 3)
        res[f"train_tinyconv_torch_{threads}t_images_per_s"] = round(ips, 1)
        res.update(conv_rates(threads))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
