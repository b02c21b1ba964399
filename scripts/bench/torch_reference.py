"""PyTorch reference for `npm run bench` (trainer/models/bench.ts runs it as a child process):
the trainer's two neural workloads on the same shapes, in PyTorch on CPU, as a researcher would
write them with Stable-Baselines3 / imitation-style code.

  soft-Q update:       obs 4, 2 actions, MLP [64, 64] ReLU, batch 128 from a 10,000-transition
                       buffer, targets relabelled by a [64, 64] reward MLP, y = r + gamma (1 - done)
                       tau logsumexp(Q'(s') / tau), MSE, Adam 1e-3, Polyak 0.01 target step.
  reward-model update: 64 labelled pairs of 25-step segments, the same MLP, per-step r(s, a)
                       summed over each segment, Bradley-Terry loss, Adam 3e-4.

Usage: python3 torch_reference.py [--threads N] [--seconds S] [--hidden W]. Prints one JSON line.
"""
import argparse, json, time
import torch, torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--seconds", type=float, default=2.0)
p.add_argument("--hidden", type=int, default=64, help="width of both hidden layers")
args = p.parse_args()
torch.manual_seed(0)
torch.set_num_threads(args.threads)

OBS, ACTIONS, HIDDEN, BATCH, BUFFER, PAIRS, SEGMENT = 4, 2, args.hidden, 128, 10_000, 64, 25
mlp = lambda: nn.Sequential(nn.Linear(OBS, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, ACTIONS))

# Soft-Q.
q, qt, r = mlp(), mlp(), mlp()
qt.load_state_dict(q.state_dict())
q_opt = torch.optim.Adam(q.parameters(), lr=1e-3)
gamma, tau, polyak = 0.99, 0.1, 0.01
obs, nxt = torch.randn(BUFFER, OBS), torch.randn(BUFFER, OBS)
act = torch.randint(0, ACTIONS, (BUFFER,))
done = (torch.rand(BUFFER) < 0.01).float()

def softq_update():
    i = torch.randint(0, BUFFER, (BATCH,))
    with torch.no_grad():
        rew = r(obs[i]).gather(1, act[i, None]).squeeze(1)
        v = tau * torch.logsumexp(qt(nxt[i]) / tau, 1)
        y = rew + gamma * (1 - done[i]) * v
    loss = F.mse_loss(q(obs[i]).gather(1, act[i, None]).squeeze(1), y)
    q_opt.zero_grad()
    loss.backward()
    q_opt.step()
    with torch.no_grad():
        for w, wt in zip(q.parameters(), qt.parameters()):
            wt.mul_(1 - polyak).add_(polyak * w)

# Reward model (Bradley-Terry on segment returns).
rm = mlp()
rm_opt = torch.optim.Adam(rm.parameters(), lr=3e-4)
seg_obs = [torch.randn(PAIRS * SEGMENT, OBS) for _ in range(2)]
seg_act = [torch.randint(0, ACTIONS, (PAIRS * SEGMENT, 1)) for _ in range(2)]
labels = torch.randint(0, 3, (PAIRS,)).float() / 2

def segment_returns(k):
    return rm(seg_obs[k]).gather(1, seg_act[k]).view(PAIRS, SEGMENT).sum(1)

def reward_update():
    delta = segment_returns(0) - segment_returns(1)
    loss = (F.softplus(-delta) + (1 - labels) * delta).mean()
    rm_opt.zero_grad()
    loss.backward()
    rm_opt.step()

def rate(work):
    """Updates per wall-clock second and per second of this process's CPU time."""
    for _ in range(20):
        work()
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while n < 3 or time.perf_counter() - t0 < args.seconds:
        work()
        n += 1
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)

softq, reward = rate(softq_update), rate(reward_update)
print(json.dumps({
    "torch": torch.__version__, "threads": torch.get_num_threads(), "hidden": HIDDEN,
    "softq_updates_per_s": softq[0], "reward_updates_per_s": reward[0],
    "softq_updates_per_cpu_s": softq[1], "reward_updates_per_cpu_s": reward[1],
}))
