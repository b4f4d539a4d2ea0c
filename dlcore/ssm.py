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
        """For inputs x (F, ...), features first: u and dt (H, ...), what is written w = dt * u (H, ...), and
        B and c (N, ...). A step writes w[h] * B[n] into memory n of channel h and reads c; c is complex for
        complex memories. decay(dt) gives how much of each memory the step keeps. (Features first: each
        feature's values over all steps and sequences lie together, as the scan reads them.)"""
        rest = x.shape[1:]
        x = x.reshape(x.shape[0], -1)
        u = torch.addmm(self.in_proj.bias[:, None], self.in_proj.weight, x)
        dt = nn.functional.softplus(torch.addmm(self.dt_bias[:, None], self.dt_proj.weight, u))
        c = self.C_proj.weight @ u  # for complex memories: each one's real part, then its imaginary part
        if self.frequency is not None:
            c = torch.complex(c[0::2], c[1::2])
        return tuple(t.unflatten(1, rest) for t in (u, dt, dt * u, self.B_proj.weight @ u, c))

    def rates(self) -> torch.Tensor:
        """(H, N) the continuous-time rates A: real and negative (the memory fades), or complex (it fades
        while it turns)."""
        A = -torch.exp(self.A_log)
        return A if self.frequency is None else torch.complex(A, self.frequency)

    @staticmethod
    def exp(dt: torch.Tensor, A: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """exp(dt * A) for real dt (into out if given): on the CPU 2 ** (x * log2(e)) is 3x faster than exp,
        and cos and sin for the turn 10x faster than complex exp."""
        if not A.is_complex():
            return torch.mul(dt, A * 1.4426950408889634, out=out).exp2_()
        a = (dt * (A.real * 1.4426950408889634)).exp2_()
        turn = dt * A.imag
        return torch.complex(a * torch.cos(turn), a * torch.sin(turn), out=out)

    def decay(self, dt: torch.Tensor) -> torch.Tensor:
        """(H, N, ...) how much of each memory a step of size dt (H, ...) keeps: a = exp(dt * A), |a| < 1."""
        A = self.rates()
        return self.exp(dt[:, None], A.view(*A.shape, *[1] * (dt.dim() - 1)))

    @staticmethod
    def chunked(step, kept: torch.Tensor, size: int, reverse: bool = False) -> None:
        """Runs state = step(t, state, last_round) through `size` steps in every chunk at once, the chunks
        one after another (reverse: from the last step and chunk back to the first), state 0 at the start.
        The state is (..., chunks * B); step must be affine in it, over chunk k's steps the state times
        kept[..., k, :] (..., chunks, B) plus something.

        Three rounds: each chunk's end state from a zero start; the state each chunk really starts from
        (one chunk after another: the chunk before's start, kept through it, plus its end state); every
        chunk again from its true start, the last round, where step keeps what it needs of each state.
        That is about 3 sqrt(L) operations over all chunks at once instead of L small ones.
        """
        steps = range(size - 1, -1, -1) if reverse else range(size)
        end = torch.zeros_like(kept).flatten(-2)
        for t in steps:
            end = step(t, end, False)
        end, start = end.unflatten(-1, kept.shape[-2:]), torch.zeros_like(kept)
        chunks = kept.shape[-2]
        for k in range(chunks - 2, -1, -1) if reverse else range(1, chunks):
            before = k + 1 if reverse else k - 1
            start[..., k, :] = torch.addcmul(end[..., before, :], kept[..., before, :], start[..., before, :])
        state = start.flatten(-2)
        for t in steps:
            state = step(t, state, True)

    class Scan(torch.autograd.Function):
        """y_t = Re(sum over n of c_t * s_t), s_t = exp(dt_t * A) * s_{t-1} + w_t * B_t for every step t of
        `chunks` chunks at once: dt and w (H, steps, chunks * B), B and c (N, steps, chunks * B), A (H, N).

        Every operation works on one step of every chunk (small enough to stay in the cache), never on the
        whole sequence, and autograd keeps none of the steps' work. The backward runs the scan back in
        time: the gradient reaching a state is its own part from the readout plus what the next step passes
        back through its decay (conjugated), and each step's gradients follow from it.
        """

        @staticmethod
        def forward(ctx, dt, w, B, c, A, chunks, keep_states):
            size, A = dt.shape[1], A[..., None]  # A: (H, N, 1)
            # every step's states (H, N, chunks * B), kept for the backward
            states = w.new_empty(size, *A.shape[:2], w.shape[2], dtype=A.dtype) if keep_states else None
            y = torch.empty_like(w)

            # every step's decays, made in the first round (cos and sin of complex ones cost the most)
            decays = w.new_empty(size, *A.shape[:2], w.shape[2], dtype=A.dtype)

            def step(t, state, last_round):
                if not last_round:
                    SelectiveSSM.exp(dt[:, None, t], A, out=decays[t])
                new = torch.mul(decays[t], state, out=states[t] if last_round and keep_states else None)
                new.addcmul_(w[:, None, t], B[None, :, t])
                if last_round:
                    y[:, t] = (new * c[None, :, t]).sum(1).real
                return new

            kept = SelectiveSSM.exp(dt.sum(1)[:, None], A).unflatten(-1, (chunks, -1))
            SelectiveSSM.chunked(step, kept, size)
            ctx.save_for_backward(dt, w, B, c, A, states, decays, kept)
            return y

        @staticmethod
        def backward(ctx, grad_y):
            dt, w, B, c, A, states, decays, kept = ctx.saved_tensors
            grad_dt, grad_w, grad_B, grad_c = (torch.empty_like(t) for t in (dt, w, B, c))
            grad_A = torch.zeros_like(A)
            # each chunk's state before its first step: the chunk before's last
            last = states[-1].unflatten(-1, kept.shape[-2:])  # (H, N, chunks, B)
            first_before = torch.cat((torch.zeros_like(last[..., :1, :]), last[..., :-1, :]), -2).flatten(-2)

            def step(t, passed_back, last_round):
                a = decays[t]  # the decay this step applied going forward
                grad_state = torch.addcmul(passed_back, grad_y[:, None, t], c[None, :, t].conj())
                if last_round:
                    before = states[t - 1] if t else first_before
                    # a = exp(dt A): the loss's gradient for a, times conj(a), gives dt's and A's
                    kept_grad = a.conj() * grad_state * before.conj()
                    grad_dt[:, t] = (A.conj().transpose(1, 2) @ kept_grad)[:, 0].real  # sum over n
                    grad_A.add_(kept_grad @ dt[:, t, :, None].to(A.dtype))  # sum over the columns
                    grad_w[:, t] = (grad_state.real * B[None, :, t]).sum(1)
                    grad_B[:, t] = (grad_state.real * w[:, None, t]).sum(0)
                    grad_c[:, t] = (grad_y[:, None, t] * states[t].conj()).sum(0)
                return a.conj() * grad_state

            SelectiveSSM.chunked(step, kept.conj(), dt.shape[1], reverse=True)
            return grad_dt, grad_w, grad_B, grad_c, grad_A[..., 0], None, None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, features = x.shape
        size = int(length**0.5)  # steps per chunk
        chunks = -(-length // size)
        # steps after the last one fill the last chunk: the scan runs them after every real step, and
        # running back in time their gradient is 0, so they change nothing
        x = torch.cat((x, x.new_zeros(batch, chunks * size - length, features)), 1)
        x = x.unflatten(1, (chunks, size)).permute(3, 2, 1, 0)  # (F, steps, chunks, B)
        u, dt, w, B, c = (t.flatten(2) for t in self.selection(x))  # (H or N, steps, chunks * B)
        y = self.Scan.apply(dt, w, B, c, self.rates(), chunks, torch.is_grad_enabled())
        y = y + self.D[:, None, None] * u  # the skip: each channel's input passed straight on
        y = y.unflatten(2, (chunks, batch)).permute(3, 2, 1, 0).reshape(batch, chunks * size, -1)[:, :length]
        return y if self.return_sequence else y[:, -1]

    def forward_steps(self, x: torch.Tensor) -> torch.Tensor:
        """The same output as forward(), one step after another, as an RNN runs (and as the layer
        generates a sequence: each step needs only the state and the new input)."""
        state, outputs = 0, []
        for t in range(x.shape[1]):
            u, dt, w, B, c = self.selection(x[:, t].T)  # (H or N, B)
            state = self.decay(dt) * state + w[:, None] * B[None]  # (H, N, B)
            outputs.append((state * c[None]).sum(1).real + self.D[:, None] * u)
        y = torch.stack(outputs).permute(2, 0, 1)  # (B, L, H)
        return y if self.return_sequence else y[:, -1]
