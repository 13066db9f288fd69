#!/usr/bin/python3
"""Reference throughput for test/bench/vae.ts: the same VAE (runner/models/vae.ts) in PyTorch on the CPU.

Architecture, loss and optimiser mirror the tfjs model: conv3x3 + n x conv4x4/2 encoder (LeakyReLU 0.2),
dense mu/logvar, dense + n x (bilinear x2, conv3x3) decoder, tanh; loss = per-image pixel sum of
squared error + beta * KL, batch mean; Adam. Random inputs in [-1, 1] (throughput only).
Usage: torch_vae.py [--resolution 64] [--batch 16] [--steps 5] [--threads 2] [--channels 32]
                    [--max-channels 128] [--latent 64]
Prints one JSON line: {"imagesPerSec": ..., ...}.
"""
import argparse, json, math, time
import torch
import torch.nn as nn


def widths(res, ch, maxch):
    n = int(math.log2(res // 4))
    return n, [min(ch * 2 ** i, maxch) for i in range(n + 1)]


class VAE(nn.Module):
    def __init__(self, res, ch, maxch, latent, colors=3):
        super().__init__()
        n, c = widths(res, ch, maxch)
        act = lambda: nn.LeakyReLU(0.2)
        enc = [nn.Conv2d(colors, c[0], 3, padding=1), act()]
        for i in range(n):
            enc += [nn.Conv2d(c[i], c[i + 1], 4, stride=2, padding=1), act()]
        self.enc = nn.Sequential(*enc, nn.Flatten())
        self.mu = nn.Linear(16 * c[n], latent)
        self.logvar = nn.Linear(16 * c[n], latent)
        self.fc = nn.Sequential(nn.Linear(latent, 16 * c[n]), act())
        self.top = c[n]
        dec = []
        for j in range(n):
            dec += [nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False),
                    nn.Conv2d(c[n - j], c[n - 1 - j], 3, padding=1), act()]
        self.dec = nn.Sequential(*dec, nn.Conv2d(c[0], colors, 3, padding=1), nn.Tanh())

    def forward(self, x, eps):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * eps
        xr = self.dec(self.fc(z).view(-1, self.top, 4, 4))
        recon = ((x - xr) ** 2).sum(dim=(1, 2, 3)).mean()
        kl = (-0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(dim=1)).mean()
        return recon, kl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--resolution', type=int, default=64)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--channels', type=int, default=32)
    ap.add_argument('--max-channels', type=int, default=128)
    ap.add_argument('--latent', type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = VAE(a.resolution, a.channels, a.max_channels, a.latent)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    x = torch.rand(a.batch, 3, a.resolution, a.resolution) * 2 - 1

    def step():
        eps = torch.randn(a.batch, a.latent)
        recon, kl = model(x, eps)
        loss = recon + kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    step()  # warm-up
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    sec = time.perf_counter() - t
    print(json.dumps({'imagesPerSec': a.batch * a.steps / sec, 'secondsPerStep': sec / a.steps, 'batch': a.batch,
                      'steps': a.steps, 'threads': a.threads, 'resolution': a.resolution, 'torch': torch.__version__,
                      'params': sum(p.numel() for p in model.parameters())}))


if __name__ == '__main__':
    main()
