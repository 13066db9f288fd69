#!/usr/bin/env python3
"""PyTorch reference of the btf StyleGAN (runner/models/stylegan/) for the throughput benchmark.

Same networks and step as the tfjs trainer: equalized-lr mapping (lr multiplier 0.01), learned 4x4
constant, per-layer noise -> bias -> leaky ReLU -> instance norm -> AdaIN, nearest upsample, ToRGB
per level with fade-in; critic with FromRGB per level, conv-conv-box-downsample blocks, minibatch
stddev, the paper's output blend; one D step (logistic + R1, gamma 10) then one G step, Adam
(0, 0.99, 1e-8), style mixing 0.9, EMA generator. Prints one JSON line: images/s per level, counted
as real images per D+G step, after one untimed warm-up step (as test/bench/stylegan.ts), both per
wall-clock second and per CPU-second of this process.

Run: /usr/bin/python3 test/bench/torch_stylegan.py [steps]   (2 threads; BTF_TORCH_THREADS overrides)
"""
import json
import os
import math
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("BTF_TORCH_THREADS", "2")))  # 2 unless overridden (shared machine)
torch.manual_seed(1)

# Keep in step with benchConfig in test/bench/stylegan.ts.
CFG = dict(max_res=32, z_dim=128, w_dim=128, map_layers=4, map_width=128, map_lrmul=0.01,
           fmap_base=256, fmap_max=64, mbstd=4)
BATCH = 16


def nf(res):
    return max(1, min(CFG['fmap_base'] // 2 ** (int(math.log2(res)) - 1), CFG['fmap_max']))


def lrelu(x):
    return F.leaky_relu(x, 0.2)


class EqLinear(torch.nn.Module):
    def __init__(self, i, o, gain=math.sqrt(2), lrmul=1.0, bias_init=0.0):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(o, i) / lrmul)
        self.b = torch.nn.Parameter(torch.full((o,), bias_init / lrmul))
        self.scale, self.lrmul = gain / math.sqrt(i) * lrmul, lrmul

    def forward(self, x):
        return F.linear(x, self.w * self.scale, self.b * self.lrmul)


class EqConv(torch.nn.Module):
    def __init__(self, i, o, k, gain=math.sqrt(2)):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(o, i, k, k))
        self.b = torch.nn.Parameter(torch.zeros(o))
        self.scale, self.pad = gain / math.sqrt(i * k * k), k // 2

    def conv(self, x):
        return F.conv2d(x, self.w * self.scale, padding=self.pad)

    def forward(self, x):
        return self.conv(x) + self.b.view(1, -1, 1, 1)


class Epilogue(torch.nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.noise = torch.nn.Parameter(torch.zeros(ch))
        self.b = torch.nn.Parameter(torch.zeros(ch))
        self.style = EqLinear(CFG['w_dim'], 2 * ch, gain=1)

    def forward(self, x, w):
        n, c, h, _ = x.shape
        x = x + torch.randn(n, 1, h, h) * self.noise.view(1, -1, 1, 1)
        x = lrelu(x + self.b.view(1, -1, 1, 1))
        x = F.instance_norm(x, eps=1e-8)
        s = self.style(w).view(n, 2, c, 1, 1)
        return x * (s[:, 0] + 1) + s[:, 1]


class Generator(torch.nn.Module):
    def __init__(self):
        super().__init__()
        layers, i = [], CFG['z_dim']
        for k in range(CFG['map_layers']):
            o = CFG['w_dim'] if k == CFG['map_layers'] - 1 else CFG['map_width']
            layers.append(EqLinear(i, o, lrmul=CFG['map_lrmul']))
            i = o
        self.mapping = torch.nn.ModuleList(layers)
        self.levels = int(math.log2(CFG['max_res'])) - 1
        self.const = torch.nn.Parameter(torch.ones(1, nf(4), 4, 4))
        self.conv0, self.conv1, self.epi0, self.epi1, self.torgb = (torch.nn.ModuleList() for _ in range(5))
        prev = nf(4)
        for l in range(self.levels):
            ch = nf(4 << l)
            self.conv0.append(EqConv(prev, ch, 3) if l else torch.nn.Identity())
            self.epi0.append(Epilogue(ch))
            self.conv1.append(EqConv(ch, ch, 3))
            self.epi1.append(Epilogue(ch))
            self.torgb.append(EqConv(ch, 3, 1, gain=1))
            prev = ch

    def map(self, z):
        x = z * torch.rsqrt(z.pow(2).mean(1, keepdim=True) + 1e-8)
        for l in self.mapping:
            x = lrelu(l(x))
        return x

    def synth(self, ws, level, alpha):
        feats, x = [], None
        for l in range(level + 1):
            h = self.const.expand(ws[0].shape[0], -1, -1, -1) if l == 0 else self.conv0[l].conv(F.interpolate(x, scale_factor=2, mode='nearest'))
            x = self.epi0[l](h, ws[2 * l])
            x = self.epi1[l](self.conv1[l].conv(x), ws[2 * l + 1])
            feats.append(x)
        img = self.torgb[level](feats[level])
        if level == 0 or alpha >= 1:
            return img
        prev = F.interpolate(self.torgb[level - 1](feats[level - 1]), scale_factor=2, mode='nearest')
        return alpha * img + (1 - alpha) * prev


class Critic(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.levels = int(math.log2(CFG['max_res'])) - 1
        self.fromrgb, self.c0, self.c1 = (torch.nn.ModuleList() for _ in range(3))
        for l in range(self.levels):
            res = 4 << l
            self.fromrgb.append(EqConv(3, nf(res), 1))
            self.c0.append(EqConv(nf(res), nf(res), 3) if l else torch.nn.Identity())
            self.c1.append(EqConv(nf(res), nf(res // 2), 3) if l else torch.nn.Identity())
        c4 = nf(4)
        self.final = EqConv(c4 + 1, c4, 3)
        self.d0 = EqLinear(16 * c4, nf(2))
        self.d1 = EqLinear(nf(2), 1, gain=1)

    def head(self, h):
        n, c, hh, ww = h.shape
        g = min(CFG['mbstd'], n)
        y = h.view(g, -1, c, hh, ww)
        y = torch.sqrt((y - y.mean(0, keepdim=True)).pow(2).mean(0) + 1e-8).mean([1, 2, 3])
        y = y.repeat(g).view(n, 1, 1, 1).expand(n, 1, hh, ww)
        h = lrelu(self.final(torch.cat([h, y], 1)))
        return self.d1(lrelu(self.d0(h.flatten(1))))

    def critic(self, x, level):
        h = lrelu(self.fromrgb[level](x))
        for l in range(level, 0, -1):
            h = F.avg_pool2d(lrelu(self.c1[l](lrelu(self.c0[l](h)))), 2)
        return self.head(h)

    def forward(self, x, level, alpha):
        if level == 0 or alpha >= 1:
            return self.critic(x, level)
        return alpha * self.critic(x, level) + (1 - alpha) * self.critic(F.avg_pool2d(x, 2), level - 1)


def level_params(module, level, prefix_lists):
    """Parameters used at `level` (shared ones plus ModuleList entries <= level)."""
    out = []
    for name, p in module.named_parameters():
        parts = name.split('.')
        if parts[0] in prefix_lists and int(parts[1]) > level:
            continue
        out.append(p)
    return out


def bench(steps):
    out = {'backend': f'torch {torch.__version__} cpu, {torch.get_num_threads()} threads', 'batch': BATCH, 'steps': steps}
    # Every level with R1 on every step, then 32 px with R1 on every 4th step weighted x4 (lazy).
    for level, every in [(0, 1), (1, 1), (2, 1), (3, 1), (3, 4)]:
        G, D = Generator(), Critic()
        Gs = Generator()
        Gs.load_state_dict(G.state_dict())
        g_params = level_params(G, level, {'conv0', 'conv1', 'epi0', 'epi1', 'torgb'})
        d_params = level_params(D, level, {'fromrgb', 'c0', 'c1'})
        opt_g = torch.optim.Adam(g_params, lr=1e-3, betas=(0.0, 0.99), eps=1e-8)
        opt_d = torch.optim.Adam(d_params, lr=1e-3, betas=(0.0, 0.99), eps=1e-8)
        res = 4 << level
        reals = torch.tanh(torch.randn(BATCH, 3, res, res))
        n_layers = 2 * G.levels
        alpha = 0.5

        def ws():
            w1 = G.map(torch.randn(BATCH, CFG['z_dim']))
            if torch.rand(()) < 0.9:
                w2 = G.map(torch.randn(BATCH, CFG['z_dim']))
                cut = int(torch.randint(1, 2 * (level + 1), ()))
                return [w1 if k < cut else w2 for k in range(n_layers)]
            return [w1] * n_layers

        def step(k):
            with torch.no_grad():
                fakes = G.synth(ws(), level, alpha)
            sf = D(fakes, level, alpha)
            if k % every == 0:
                x = reals.detach().requires_grad_(True)
                sr = D(x, level, alpha)
                (g,) = torch.autograd.grad(sr.sum(), x, create_graph=True)
                penalty = 5.0 * every * g.pow(2).sum([1, 2, 3]).mean()
            else:
                sr = D(reals, level, alpha)
                penalty = 0.0
            loss_d = F.softplus(sf).mean() + F.softplus(-sr).mean() + penalty
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            loss_g = F.softplus(-D(G.synth(ws(), level, alpha), level, alpha)).mean()
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            with torch.no_grad():
                for ps, pg in zip(Gs.parameters(), G.parameters()):
                    ps.lerp_(pg, 1 - 0.999)

        step(0)
        n = steps if every == 1 else 4 * max(1, -(-steps // 4))
        t0, c0 = time.perf_counter(), time.process_time()
        for k in range(1, n + 1):
            step(k)
        key = f'torch_{res}px' if every == 1 else f'torch_{res}px_r1every{every}'
        out[f'{key}_img_per_s'] = round(n * BATCH / (time.perf_counter() - t0), 2)
        # Images per CPU-second of this process: less sensitive to other load on a shared machine.
        out[f'{key}_img_per_cpu_s'] = round(n * BATCH / (time.process_time() - c0), 2)
    return out


if __name__ == '__main__':
    print(json.dumps(bench(int(sys.argv[1]) if len(sys.argv) > 1 else 3)))
