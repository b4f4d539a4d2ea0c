"""State-space layers: a diagonal linear one (S4D-style) and a selective one (Mamba-style).

Both read a (B, L, F) sequence, project it to `hidden_size` channels u, and give every channel
`state_size` memories s that it updates step by step:

    s_t = a_t * s_{t-1} + b_t * u_t          (a_t: how much of the memory is kept, between 0 and 1)
    y_t = sum over the memories of c_t * s_t + D * u_t

The diagonal layer's a, b, c are the same at every step, so the whole layer is one long convolution of
u with a kernel (its impulse response) and trains in parallel. The selective layer computes its step
size, b and c from each input (it chooses what to write and how fast to forget), so it runs as a
parallel scan instead. Each class is self-contained: the code exporter copies its source as it is.
"""

from __future__ import annotations

import torch
from torch import nn


class DiagonalSSM(nn.Module):
    """S4D-style layer: in every channel, `state_size` memories that decay at learned rates.

    A is diagonal (one number per memory): real (the memory only fades) or complex (it fades while it
    oscillates). Each channel learns its step size dt: discretised with a zero-order hold, the memory
    keeps exp(dt * A) of itself per step, so a small dt remembers for many steps.
    """

    # the initialiser a student picks must not overwrite the decay rates and step sizes below
    keeps_its_start = ("log_dt", "log_decay", "frequency")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        state_size: int = 16,
        complex: bool = True,
        dt_min: float = 0.001,
        dt_max: float = 0.1,
        return_sequence: bool = False,
    ):
        super().__init__()
        self.return_sequence = return_sequence
        self.in_proj = nn.Linear(input_size, hidden_size)
        # step sizes spread log-uniformly: channels start with memories from short to long
        self.log_dt = nn.Parameter(torch.log(dt_min * (dt_max / dt_min) ** torch.rand(hidden_size)))
        n = torch.arange(state_size, dtype=torch.float32).repeat(hidden_size, 1)  # (H, N)
        if complex:  # S4D-Lin: A_n = -1/2 + i * pi * n
            self.log_decay = nn.Parameter(torch.full_like(n, 0.5).log())
            self.frequency = nn.Parameter(torch.pi * n)
            self.C = nn.Parameter(torch.randn(hidden_size, state_size, 2) * 0.5**0.5)  # real, imaginary
        else:  # S4D-Real: A_n = -(n + 1)
            self.log_decay = nn.Parameter(torch.log(n + 1))
            self.frequency = None
            self.C = nn.Parameter(torch.randn(hidden_size, state_size))
        self.D = nn.Parameter(torch.ones(hidden_size))  # skip: each channel's input passed straight on

    def A(self) -> torch.Tensor:
        """(H, N) diagonal of the continuous-time state matrix; its real part is negative (it fades)."""
        real = -torch.exp(self.log_decay)
        return real if self.frequency is None else torch.complex(real, self.frequency)

    def discrete(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(a, b, c), each (H, N): per step s = a * s + b * u, y = Re(sum c * s). Zero-order hold."""
        dt_a = torch.exp(self.log_dt)[:, None] * self.A()
        a = torch.exp(dt_a)
        b = (a - 1) / self.A()  # the input held constant over the step, integrated (B = 1)
        c = self.C if self.frequency is None else torch.view_as_complex(self.C)
        return a, b, c

    def kernel(self, length: int) -> torch.Tensor:
        """(H, length) impulse response: K[h, k] is how much input k steps ago adds to channel h now."""
        a, b, c = self.discrete()
        steps = torch.arange(length, device=a.device)
        powers = torch.exp(torch.log(a)[..., None] * steps)  # a ** k, (H, N, L)
        return torch.einsum("hn,hnl->hl", c * b, powers).real

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = self.in_proj(x).transpose(1, 2)  # (B, H, L)
        length = u.shape[-1]
        # y = K * u, a causal convolution over the whole sequence at once (FFT, zero-padded to 2L)
        spectrum = torch.fft.rfft(u, n=2 * length) * torch.fft.rfft(self.kernel(length), n=2 * length)
        y = torch.fft.irfft(spectrum, n=2 * length)[..., :length] + self.D[:, None] * u
        y = y.transpose(1, 2)  # (B, L, H)
        return y if self.return_sequence else y[:, -1]


class SelectiveSSM(nn.Module):
    """Mamba-style selective layer: the step size dt and what is written (B) and read (C) depend on
    the input at every step, so the layer chooses which steps to remember and when to forget.

    Per step, memory n of channel h keeps exp(dt_t * A[h, n]) of itself and adds dt_t * B_t[n] * u_t.
    A is real (the memory only fades, as in Mamba) or complex (it fades while it oscillates, and C reads
    each memory with its own phase). Only oscillating memories can single out a step far back among many
    (their sums make kernels with a peak there); real ones weigh older steps less, always.
    forward() runs all steps at once with a parallel scan; forward_steps() runs the same recurrence one
    step at a time (what an RNN does).
    """

    keeps_its_start = ("A_log", "dt_bias", "frequency")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        state_size: int = 16,
        dt_min: float = 0.001,
        dt_max: float = 0.1,
        return_sequence: bool = False,
        complex: bool = False,
    ):
        super().__init__()
        self.return_sequence = return_sequence
        self.in_proj = nn.Linear(input_size, hidden_size)
        self.dt_proj = nn.Linear(hidden_size, hidden_size, bias=False)  # how big a step each input takes
        self.B_proj = nn.Linear(hidden_size, state_size, bias=False)  # what each input writes
        # what each step reads out: a complex C (real and imaginary parts) for complex memories
        self.C_proj = nn.Linear(hidden_size, state_size * (2 if complex else 1), bias=False)
        # resting step sizes log-uniform in [dt_min, dt_max], stored through softplus's inverse
        dt = dt_min * (dt_max / dt_min) ** torch.rand(hidden_size)
        self.dt_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))
        n = torch.arange(state_size, dtype=torch.float32).repeat(hidden_size, 1)  # (H, N)
        if complex:  # S4D-Lin: A_n = -1/2 + i * pi * n
            self.A_log = nn.Parameter(torch.full_like(n, 0.5).log())
            self.frequency = nn.Parameter(torch.pi * n)
        else:  # S4D-Real, as in Mamba: A_n = -(n + 1)
            self.A_log = nn.Parameter(torch.log(n + 1))
            self.frequency = None
        self.D = nn.Parameter(torch.ones(hidden_size))

    def selection(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """For (B, L, F) inputs: u and dt (B, L, H); per step a (B, L, H, N), how much of each memory is
        kept, and what is written and read: w = dt * u (B, L, H), B and c (B, L, N). Step t writes
        w_t[h] * B_t[n] into memory n of channel h. a and c are complex for complex memories."""
        u = self.in_proj(x)
        dt = nn.functional.softplus(self.dt_proj(u) + self.dt_bias)
        # a = exp(dt * A), |a| in (0, 1); exp_ in place: one sequence-long tensor fewer to allocate
        a = (dt[..., None] * -torch.exp(self.A_log)).exp_()
        if self.frequency is not None:  # turned by dt * frequency (cos and sin: 10x faster than complex exp)
            turn = dt[..., None] * self.frequency
            a = torch.complex(a * torch.cos(turn), a * torch.sin(turn))
        c = self.C_proj(u)
        if self.frequency is not None:
            c = torch.view_as_complex(c.unflatten(-1, (-1, 2)))
        return u, dt, a, dt * u, self.B_proj(u), c

    @staticmethod
    def scan(a: torch.Tensor, w: torch.Tensor, B: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """(B, L, H): every y_t = sum over n of c_t[n] * s_t[h, n], where s_t = a_t * s_{t-1} + w_t ⊗ B_t
        along dim 1 (s before the first step = 0), for a (B, L, H, N), w (B, L, H), B and c (B, L, N), in
        about 3 sqrt(L) rounds.

        Cut the L steps into about sqrt(L) chunks of about sqrt(L) steps and run all chunks side by side:
        first each chunk's end state from a zero start, then the state each chunk really starts from (one
        chunk after another: the previous start, kept through the chunk, plus the chunk's own end state),
        then every chunk again from its true start, reading y out while its states are fresh in the cache.
        Each round is one operation over all chunks at once, and each step's write w_t ⊗ B_t is made by
        the operation that adds it: no tensor of every step's states or writes is ever allocated.
        """
        length = a.shape[1]
        size = int(length**0.5)  # steps per chunk
        chunks = -(-length // size)
        extra = chunks * size - length  # steps after the last one, to fill the last chunk: never read
        if extra:
            a, w, B, c = (
                torch.cat((t, t.new_zeros(t.shape[0], extra, *t.shape[2:])), 1) for t in (a, w, B, c)
            )
        a, w, B, c = (t.unflatten(1, (chunks, size)) for t in (a, w, B, c))  # (B, chunks, size, ...)
        # unbind, not indexing: its gradient is one stack, not a full-size tensor of zeros per step
        a_steps, c_steps = a.unbind(2), c.unbind(2)
        w_steps, B_steps = w[..., None].unbind(2), B[..., None, :].unbind(2)  # w_t * B_t: (H, 1) * (1, N)
        end = w_steps[0] * B_steps[0]
        for a_t, w_t, B_t in zip(a_steps[1:], w_steps[1:], B_steps[1:], strict=True):
            end = torch.addcmul(a_t * end, w_t, B_t)
        starts = [torch.zeros_like(end[:, 0])]
        for kept, end_c in zip(a.prod(2).unbind(1)[:-1], end.unbind(1)[:-1], strict=True):
            starts.append(torch.addcmul(end_c, kept, starts[-1]))
        state, outputs = torch.stack(starts, 1), []
        for a_t, w_t, B_t, c_t in zip(a_steps, w_steps, B_steps, c_steps, strict=True):
            state = torch.addcmul(a_t * state, w_t, B_t)  # (B, chunks, H, N)
            outputs.append(torch.matmul(state, c_t[..., None]))  # (B, chunks, H, 1)
        return torch.stack(outputs, 2).flatten(1, 2)[:, :length, :, 0]

    def readout(self, u: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The scan's y (its real part) plus the skip D * u, every step or the last one."""
        y = y.real + self.D * u
        return y if self.return_sequence else y[:, -1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u, _, a, w, B, c = self.selection(x)
        return self.readout(u, self.scan(a, w, B, c))

    def forward_steps(self, x: torch.Tensor) -> torch.Tensor:
        """The same output as forward(), one step after another, as an RNN runs (and as the layer
        generates a sequence: each step needs only the state and the new input)."""
        state, outputs = 0, []
        for t in range(x.shape[1]):
            u, _, a, w, B, c = self.selection(x[:, t : t + 1])  # (B, 1, ...)
            state = a[:, 0] * state + w[:, 0, :, None] * B[:, 0, None, :]  # (B, H, N)
            outputs.append(torch.einsum("bhn,bn->bh", state, c[:, 0]).real + self.D * u[:, 0])
        y = torch.stack(outputs, dim=1)
        return y if self.return_sequence else y[:, -1]
