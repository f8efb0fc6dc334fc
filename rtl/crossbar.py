"""The array emulator: one crossbar of discrete-state (Lut) devices in block RAM
(``golden/hw/crossbar.py`` is its cycle model, ``golden/lut_exact.py`` its arithmetic)."""

from __future__ import annotations

from amaranth.hdl import Array, Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.memory import Memory, MemoryData
from amaranth.lib.wiring import In, Out

from golden.encoding import ArrayOp, ArrayState
from golden.lfsr import lane_seed
from golden.lut_exact import READ_LANE, ArrayImage, ExactLut, ReadTables, row_seeds
from golden.mvm_exact import MvmTables
from golden.params import EmulatorParams
from rtl.fixedpoint import saturate
from rtl.lfsr import lfsr_step
from rtl.mac_engine import mac_engine
from rtl.onehot import group_any, group_count, lowest_two_level, one_hot_index
from rtl.replicate import KEEP

__all__ = ["ArrayEmulator", "mvm_layout", "op_layout"]


def op_layout(rows: int, cols: int) -> data.StructLayout:
    """One operation: a slot of pulse lines, or a one-hot column read (``x``). The sender forms
    two summaries from its registers, so that no logic sits between the FIFO's block-RAM output
    and the array's registers the clock it takes the operation: ``d_first``, ``d``'s lowest set
    bit alone (``d & -d``: the first row), ``x_groups``, which groups of ``SEARCH_GROUP``
    columns of ``x`` hold a set bit (``group_any``: the column search's mask), and ``x_first``,
    ``x``'s lowest set bit alone (the first column, and the column a READ or PEEK names)."""
    lines = {"op": ArrayOp, "x": cols, "x_neg": cols, "d": rows, "d_neg": rows}
    summaries = {"d_first": rows, "x_groups": group_count(cols), "x_first": cols}
    return data.StructLayout(lines | summaries)


def mvm_layout(mt: MvmTables, n: int) -> data.StructLayout:
    """An MVM request: ``transposed`` and ``n`` DAC codes (cols used, rows when transposed)."""
    return data.StructLayout({"transposed": 1, "codes": data.ArrayLayout(signed(mt.dac_bits), n)})


def _rom(values, shape) -> Array:
    return Array(Const(int(v), shape) for v in values)


def _address(i: Signal, j: Signal, cols: int):
    """Device (i, j)'s word address ``i * cols + j``: wires alone when cols is a power of two."""
    return Cat(j, i) if 1 << (len(j)) == cols else i * cols + j


class ArrayEmulator(wiring.Component):
    """A ``rows x cols`` array of Lut devices: pulses and one-hot column reads.

    Each device is one block-RAM word ``state | g_up << state_bits | g_down << ...``, loaded
    from ``image``; see :mod:`golden.hw.crossbar` for the clock-by-clock behaviour.

    Members
    -------
    i_op : In(stream.Signature(op_layout))
        The next operation; taken when ``ready`` (only in IDLE).
    state : Out(ArrayState)
        The state machine (for scoreboards and debugging).
    read_valid : Out(1)
        ``codes`` hold a finished column read (one clock).
    codes : Out(ArrayLayout(signed(adc_bits), rows))
        The ADC code of every row of the last column read.
    peek_valid : Out(1)
        ``peek_state`` holds the state of the device a PEEK asked for (one clock).
    peek_state : Out(state_bits)
        The state of the last peeked device.
    i_mvm : In(stream.Signature(mvm_layout)), with MVM tables ``mt`` only
        An MVM request (DAC codes); taken in IDLE with an empty pipeline when ``i_op`` offers
        nothing.
    mvm_valid : Out(1), mvm_codes : Out(ArrayLayout(signed(adc_bits), max(rows, cols)))
        The ADC codes of the finished MVM (rows of them, cols when transposed; one clock).
    """

    def __init__(
        self,
        em: EmulatorParams,
        lut: ExactLut,
        rt: ReadTables,
        image: ArrayImage,
        mt: MvmTables | None = None,
    ):
        if not isinstance(em, EmulatorParams):
            raise TypeError(f"em must be a golden.params.EmulatorParams, not {em!r}")
        rows, cols = image.states.shape
        self._em, self._lut, self._rt, self._image, self._mt = em, lut, rt, image, mt
        self._rows, self._cols = rows, cols
        self._mem_data = MemoryData(
            shape=unsigned(self.state_bits + 2 * em.d2d_bits),
            depth=rows * cols,
            init=self.memory_init(),
        )
        members = {
            "i_op": In(stream.Signature(op_layout(rows, cols))),
            "state": Out(ArrayState),
            "read_valid": Out(1),
            "codes": Out(data.ArrayLayout(signed(rt.adc_bits), rows)),
            "peek_valid": Out(1),
            "peek_state": Out(self.state_bits),
        }
        if mt is not None:
            n = max(rows, cols)
            members |= {
                "i_mvm": In(stream.Signature(mvm_layout(mt, n))),
                "mvm_valid": Out(1),
                "mvm_codes": Out(data.ArrayLayout(signed(rt.adc_bits), n)),
            }
        super().__init__(members)

    @property
    def state_bits(self) -> int:
        return max(1, (self._lut.n_states - 1).bit_length())

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the array."""
        return self._rows, self._cols

    @property
    def read_tables(self) -> ReadTables:
        return self._rt

    @property
    def mvm_tables(self) -> MvmTables | None:
        return self._mt

    @property
    def mem_data(self) -> MemoryData:
        """The device memory (for simulators to read the final states)."""
        return self._mem_data

    def memory_init(self) -> list[int]:
        """The block-RAM words, row-major (address ``i * cols + j``)."""
        sb, db = self.state_bits, self._em.d2d_bits
        img = self._image
        return [
            int(s) | int(gu) << sb | int(gd) << (sb + db)
            for s, gu, gd in zip(
                img.states.ravel(), img.g_up.ravel(), img.g_down.ravel(), strict=True
            )
        ]

    def elaborate(self, platform):
        m = Module()
        em, lut, rt, mt = self._em, self._lut, self._rt, self._mt
        rows, cols, n = self._rows, self._cols, max(self._rows, self._cols)
        sb, db = self.state_bits, em.d2d_bits
        width = em.lfsr_width
        S = ArrayState

        m.submodules.mem = mem = Memory(self._mem_data)
        rd = mem.read_port()
        wr = mem.write_port()

        state = Signal(ArrayState)
        x, x_neg, d_neg = Signal(cols), Signal(cols), Signal(rows)
        d_rem, x_rem = Signal(rows), Signal(cols)
        # the columns' search groups: of x less its lowest column (DECODE), of x_rem less
        # col_bit (each ROW and CELL), so the search never tests 64 bits for zero
        first_groups, rest_groups = Signal(group_count(cols)), Signal(group_count(cols))
        i, j = Signal(range(max(2, rows))), Signal(range(max(2, cols)))
        cur = Signal(width)
        read_lfsr = Signal(width, init=lane_seed(em.seed, READ_LANE, width))
        codes = Array(Signal(signed(rt.adc_bits), name=f"code_{k}") for k in range(rows))

        # ---- the pipeline: one stage record per clock after the issue (A .. H) ------------
        mvm_fields = {} if mt is None else {"code": signed(mt.dac_bits), "first": 1, "last": 1}
        carried = ("valid", "op", "i", "j", "up", *mvm_fields)

        def stage(name: str, **fields) -> dict:
            base = {
                "valid": Signal(name=f"{name}_valid"),
                "op": Signal(ArrayOp, name=f"{name}_op"),
                "i": Signal.like(i, name=f"{name}_i"),
                "j": Signal.like(j, name=f"{name}_j"),
                "up": Signal(name=f"{name}_up"),
            }
            base |= {k: Signal(v, name=f"{name}_{k}") for k, v in mvm_fields.items()}
            return base | {k: Signal(v, name=f"{name}_{k}") for k, v in fields.items()}

        def carry(src: dict, dst: dict, *more: str) -> list:
            return [dst[k].eq(src[k]) for k in (*carried, *more)]

        level_shape = signed(rt.adc_bits + rt.level_frac + 9)
        mvm_shapes = {}
        if mt is not None:
            mvm_shapes = {"mlevel": signed(mt.level_bits), "mnoise": signed(mt.acc_bits)}
        A = stage("a", word=em.word_bits, xn=1, dn=1)  # up = xn != dn, formed into B
        B = stage("b", word=em.word_bits)
        C = stage("c", word=em.word_bits, mem=rd.data.shape())
        steps = {"s": sb, "gains": 2 * db, "r": em.step_frac, "level": level_shape}
        D = stage("d", t=16, gain=db, noise=16, rnoise=level_shape, **steps, **mvm_shapes)
        mterm = signed(mt.level_bits + mt.dac_bits) if mt is not None else 1
        E = stage("e", product=16 + db, noise=16, **steps, **mvm_shapes)
        # E's product t * gain times the c2c factor is wider than one 18 x 18 multiplier: two
        # partial products (low SPLIT bits of t * gain, the rest), registered in P, summed into F
        split = 17
        hi_bits = max(1, 16 + db - split)
        P = stage("p", lo=split + 16, hi=hi_bits + 16, mterm=mterm, **steps, **mvm_shapes)
        F = stage("f", k=32 + db, mterm=mterm, **steps, **mvm_shapes)
        top = lut.n_states - 1
        code_bits = signed(rt.adc_bits)
        kept = {"s": sb, "gains": 2 * db, "room": sb, "mterm": mterm, **mvm_shapes}
        G = stage("g", base=sb + 1, inc=1, level=level_shape, **kept)
        H = stage("h", moves=sb + 1, code=code_bits, **kept)
        stages = (A, B, C, D, E, P, F, G, H)
        busy = Cat(st["valid"] for st in stages).any()
        tail_valid, coded_valid = Signal(), Signal()  # an MVM output's code being formed
        idle = (state == S.IDLE) & ~busy & ~tail_valid & ~coded_valid
        # ready: a register, idle a clock ago and nothing taken then (which implies idle now),
        # so the pipeline's valid bits do not feed the FIFO's read logic
        ready = Signal(init=1)
        offered = self.i_op.valid | (self.i_mvm.valid if mt is not None else 0)
        m.d.sync += ready.eq(idle & ~(ready & offered))
        m.d.comb += [self.state.eq(state), self.i_op.ready.eq(ready)]
        m.d.comb += [self.codes[k].eq(codes[k]) for k in range(rows)]

        # A: the device is read (its address straight from A's registers to the block RAMs); B:
        # the device word arrives from the block RAM and is registered
        m.d.comb += rd.addr.eq(_address(A["i"], A["j"], cols))
        m.d.sync += carry(A, B, "word") + carry(B, C, "word") + [C["mem"].eq(rd.data)]
        m.d.sync += B["up"].eq(A["xn"] != A["dn"])  # the column's and the row's signs
        # C: table lookups
        word = C["mem"]
        s = word[:sb]
        u = C["word"][: em.noise_bits]
        m.d.sync += carry(C, D) + [
            D["s"].eq(s),
            D["gains"].eq(word[sb:]),
            D["t"].eq(Mux(C["up"], _rom(lut.up, 16)[s], _rom(lut.down, 16)[s])),
            D["gain"].eq(Mux(C["up"], word[sb : sb + db], word[sb + db :])),
            D["noise"].eq(_rom(lut.noise, 16)[u]),
            D["r"].eq(C["word"][em.noise_bits : em.noise_bits + em.step_frac]),
            D["level"].eq(_rom(rt.level, level_shape)[s]),  # the read noise added in D
            D["rnoise"].eq(_rom(rt.noise, level_shape)[u]),
        ]
        if mt is not None:
            half = 1 << (mt.frac - 1)
            m.d.sync += [
                D["mlevel"].eq(_rom(mt.level, signed(mt.level_bits))[s]),
                D["mnoise"].eq(_rom(mt.noise + half, signed(mt.acc_bits))[u]),
            ]
        # D: step x gain; the read level plus its noise
        carried_d = [k for k in (*steps, *mvm_shapes, "noise") if k != "level"]
        m.d.sync += carry(D, E) + [E[k].eq(D[k]) for k in carried_d]
        m.d.sync += E["level"].eq(D["level"] + D["rnoise"])
        m.d.sync += E["product"].eq(D["t"] * D["gain"])
        # E: x c2c factor (partial products registered in P: no adder after a multiplier); the
        # MVM term (level x code: its multiplier between two plain copies, D -> E and P -> F)
        half_level = (1 << rt.level_frac) >> 1
        m.d.sync += carry(E, P) + [P[k].eq(E[k]) for k in (*steps, *mvm_shapes) if k != "level"]
        m.d.sync += P["level"].eq((E["level"] + half_level) >> rt.level_frac)  # in ADC steps
        m.d.sync += [
            P["lo"].eq(E["product"][:split] * E["noise"]),
            P["hi"].eq(E["product"][split:] * E["noise"]),
        ]
        if mt is not None:
            m.d.sync += P["mterm"].eq(E["mlevel"] * E["code"])
        # P: the partial products summed, back to step_frac fraction bits
        m.d.sync += carry(P, F) + [F[k].eq(P[k]) for k in (*steps, *mvm_shapes)]
        kraw = (P["hi"] << split) + P["lo"]
        m.d.sync += [F["k"].eq(kraw >> em.product_shift), F["mterm"].eq(P["mterm"])]
        # F: whole steps (saturated: moves beyond the state range give the same state, so the
        # adders stay state_bits wide) and the stochastic rounding of the fraction
        k = F["k"]
        whole = k[em.step_frac :]
        m.d.sync += carry(F, G) + [G[f].eq(F[f]) for f in ("s", "gains", "level", *mvm_shapes)]
        m.d.sync += [
            G["base"].eq(Mux(whole[sb:].any(), top + 1, whole[:sb])),
            G["inc"].eq(F["r"] < k[: em.step_frac]),
            G["room"].eq(top - F["s"]),
            G["mterm"].eq(F["mterm"]),
        ]
        # G: the moves; the ADC code saturated
        m.d.sync += carry(G, H) + [H[f].eq(G[f]) for f in kept]
        m.d.sync += [
            H["moves"].eq(G["base"] + G["inc"]),
            H["code"].eq(saturate(G["level"], rt.adc_bits)),
        ]
        # H: the new state, the code, the peeked state or the MVM sum
        moves, s_h = H["moves"], H["s"]
        new_s = Signal(sb)
        with m.If(H["up"]):
            m.d.comb += new_s.eq(Mux(moves > H["room"], top, s_h + moves))
        with m.Else():
            m.d.comb += new_s.eq(Mux(moves > s_h, 0, s_h - moves))
        m.d.comb += [
            wr.addr.eq(_address(H["i"], H["j"], cols)),
            wr.data.eq(Cat(new_s, H["gains"])),
            wr.en.eq(H["valid"] & (H["op"] == ArrayOp.PULSES)),
        ]
        reading = H["valid"] & (H["op"] == ArrayOp.READ)
        with m.If(reading):
            m.d.sync += codes[H["i"]].eq(H["code"])
        peeked = H["valid"] & (H["op"] == ArrayOp.PEEK)
        m.d.sync += [
            self.read_valid.eq(reading & (H["i"] == rows - 1)),
            self.peek_valid.eq(peeked),
        ]
        with m.If(peeked):
            m.d.sync += self.peek_state.eq(s_h)

        # ---- the issue: the state machine, one device access per clock ---------------------
        # Besides `state`, kept copies of it, one per group of registers it steers, each
        # forming its next value from itself (the transitions below, once per copy): each group
        # decodes a copy placed by it, and no state logic is routed across the chip to them
        own = {
            key: Signal(ArrayState, name=f"state_{key}", attrs=KEEP)
            for key in ("rows", "cols", "lfsr", "issue", "ring")
        }
        transposed, mvm_next = Signal(), Signal()  # mvm_next: the ring's copy's next is MVM
        o, kk = Signal(range(max(2, n))), Signal(range(max(2, n)))
        head = 0
        if mt is not None:
            flags = {"transposed": transposed, "tail": tail_valid, "coded": coded_valid}
            head = mac_engine(m, self, H, mvm_next, ready, flags)
            taking_mvm = self.i_mvm.valid & self.i_mvm.ready
        # the operation is registered as it comes off the FIFO, every clock, without an enable
        # (no logic between the block RAM's output and a register placed by it); DECODE, the
        # clock after IDLE took it, decodes this copy and loads the working registers from it
        op = Signal(op_layout(rows, cols), name="op_in", reset_less=True)  # read in DECODE only
        m.d.sync += op.eq(self.i_op.payload)
        taking = self.i_op.valid & ready
        # the lowest row and column still to visit, one-hot, in registers computed a clock ahead
        # (row_bit from DECODE and each ROW, col_bit from ROW and each CELL), both searched in two
        # levels against registered group masks (row_groups == group_any(rows_left))
        row_bit, col_bit, row_groups = Signal(rows), Signal(cols), Signal(group_count(rows))
        more_rows = Signal()  # d_rem.any() in CELL (row_groups.any() at its ROW)
        row_index = one_hot_index(m, row_bit, "row_index")
        first_row = one_hot_index(m, op.d_first, "first_row")
        next_col = one_hot_index(m, col_bit, "next_col")
        rest, rows_left = x_rem & ~col_bit, d_rem & ~row_bit
        rest_bit, rest_after = lowest_two_level(m, rest, rest_groups, "rest")
        next_row, next_groups = lowest_two_level(m, rows_left, row_groups, "next_row")
        x_after = group_any(op.x & ~op.x_first)  # DECODE: ORs, no carry chain
        read_col = one_hot_index(m, op.x_first, "read_col")
        first_col = Signal(cols)
        n_in, n_out = Mux(transposed, rows, cols), Mux(transposed, cols, rows)
        last_term = kk == n_in - 1

        def transitions(st: Signal) -> Signal:
            nxt = Signal(ArrayState, name=f"{st.name}_next")
            m.d.comb += nxt.eq(st)
            with m.Switch(st):
                with m.Case(S.IDLE):
                    with m.If(taking):
                        m.d.comb += nxt.eq(S.DECODE)
                    if mt is not None:
                        with m.Elif(taking_mvm):
                            m.d.comb += nxt.eq(S.MVM)
                with m.Case(S.DECODE):
                    with m.If((op.op == ArrayOp.PULSES) & op.x_groups.any() & op.d.any()):
                        m.d.comb += nxt.eq(S.ROW)
                    with m.Elif(op.op == ArrayOp.READ):
                        m.d.comb += nxt.eq(S.READ)
                    with m.Elif(op.op == ArrayOp.PEEK):
                        m.d.comb += nxt.eq(S.PEEK)
                    with m.Else():  # an empty slot or an MVM on the operation stream: dropped
                        m.d.comb += nxt.eq(S.IDLE)
                with m.Case(S.ROW):
                    m.d.comb += nxt.eq(S.CELL)
                with m.Case(S.CELL):
                    with m.If(rest_groups == 0):  # rest == 0
                        m.d.comb += nxt.eq(Mux(more_rows, S.ROW, S.IDLE))
                with m.Case(S.READ):
                    with m.If(i == rows - 1):
                        m.d.comb += nxt.eq(S.IDLE)
                with m.Case(S.PEEK):
                    m.d.comb += nxt.eq(S.IDLE)
                if mt is not None:
                    with m.Case(S.MVM):
                        with m.If(last_term & (o == n_out - 1)):
                            m.d.comb += nxt.eq(S.IDLE)
            return nxt

        for key, reg in {"state": state, **own}.items():  # the transitions of every copy
            nxt = transitions(reg)
            m.d.sync += reg.eq(nxt)
            if key == "ring":
                m.d.comb += mvm_next.eq(nxt == S.MVM)

        with m.Switch(own["rows"]):  # the row search
            with m.Case(S.DECODE):
                m.d.sync += [
                    d_rem.eq(op.d),
                    row_bit.eq(op.d_first),
                    d_neg.eq(op.d_neg),
                    row_groups.eq(group_any(op.d & ~op.d_first)),
                ]
            with m.Case(S.ROW):
                m.d.sync += [
                    d_rem.eq(rows_left),
                    row_bit.eq(next_row),
                    row_groups.eq(next_groups),
                    more_rows.eq(row_groups.any()),
                ]

        with m.Switch(own["cols"]):  # the column search
            with m.Case(S.DECODE):
                m.d.sync += [x.eq(op.x), x_neg.eq(op.x_neg)]
                m.d.sync += [first_col.eq(op.x_first), first_groups.eq(x_after)]
            with m.Case(S.ROW):
                m.d.sync += [x_rem.eq(x), col_bit.eq(first_col), rest_groups.eq(first_groups)]
            with m.Case(S.CELL):
                m.d.sync += [x_rem.eq(rest), col_bit.eq(rest_bit), rest_groups.eq(rest_after)]

        # The row LFSRs live in a memory of their own (rows words of width bits, initialised
        # to the seeds; like the device memory, it keeps its contents across a reset), not
        # rows x width registers spread over the chip. Distributed RAM read without a clock at
        # a registered address (`seed_at`): DECODE names the op's first row, each CELL the
        # next row (row_bit's), and a ROW loads cur from it; each CELL's new cur is written
        # back the clock after (its row's next read is a later ROW)
        cur_next, cur_word = lfsr_step(cur, width, em.word_bits)
        read_next, read_word = lfsr_step(read_lfsr, width, em.noise_bits)
        m.submodules.row_mem = row_mem = Memory(
            shape=width, depth=rows, init=[int(s) for s in row_seeds(rows, em)]
        )
        row_mem.attrs["ram_style"] = "distributed"
        seed_rd, wb = row_mem.read_port(domain="comb"), row_mem.write_port()
        seed_at, wb_row = Signal.like(i), Signal.like(i)
        wb_data, wb_en = Signal(width), Signal()
        m.d.comb += [
            seed_rd.addr.eq(seed_at),
            wb.addr.eq(wb_row),
            wb.data.eq(wb_data),
            wb.en.eq(wb_en),
        ]
        m.d.sync += wb_en.eq(0)
        with m.Switch(own["lfsr"]):
            with m.Case(S.DECODE):
                m.d.sync += seed_at.eq(first_row)
            with m.Case(S.ROW):
                m.d.sync += cur.eq(seed_rd.data)
            with m.Case(S.CELL):
                m.d.sync += [cur.eq(cur_next), wb_data.eq(cur_next), wb_row.eq(i), wb_en.eq(1)]
                m.d.sync += seed_at.eq(row_index)
            with m.Case(S.READ):
                m.d.sync += read_lfsr.eq(read_next)
            if mt is not None:
                with m.Case(S.MVM):
                    with m.If(kk == 0):
                        m.d.sync += read_lfsr.eq(read_next)

        m.d.sync += A["valid"].eq(0)
        with m.Switch(own["issue"]):  # the device accesses into stage A
            if mt is not None:
                with m.Case(S.IDLE):
                    with m.If(taking_mvm):  # never with taking (i_mvm.ready)
                        m.d.sync += [transposed.eq(self.i_mvm.payload.transposed), o.eq(0)]
                        m.d.sync += kk.eq(0)
            with m.Case(S.DECODE):
                with m.If(op.op == ArrayOp.READ):
                    m.d.sync += [j.eq(read_col), i.eq(0)]
                with m.Elif(op.op == ArrayOp.PEEK):
                    m.d.sync += [i.eq(first_row), j.eq(read_col)]
            with m.Case(S.ROW):
                m.d.sync += i.eq(row_index)
            with m.Case(S.CELL):
                m.d.sync += [
                    A["valid"].eq(1),
                    A["op"].eq(ArrayOp.PULSES),
                    A["i"].eq(i),
                    A["j"].eq(next_col),
                    A["xn"].eq((x_neg & col_bit).any()),
                    A["dn"].eq(d_neg.bit_select(i, 1)),
                    A["word"].eq(cur_word),
                ]
            with m.Case(S.READ):
                m.d.sync += [
                    A["valid"].eq(1),
                    A["op"].eq(ArrayOp.READ),
                    A["i"].eq(i),
                    A["j"].eq(j),
                    A["word"].eq(read_word),
                ]
                with m.If(i != rows - 1):
                    m.d.sync += i.eq(i + 1)
            with m.Case(S.PEEK):
                m.d.sync += [A["valid"].eq(1), A["op"].eq(ArrayOp.PEEK), A["i"].eq(i), A["j"].eq(j)]
            if mt is not None:
                with m.Case(S.MVM):
                    m.d.sync += [
                        A["valid"].eq(1),
                        A["op"].eq(ArrayOp.MVM),
                        A["i"].eq(Mux(transposed, kk, o)),
                        A["j"].eq(Mux(transposed, o, kk)),
                        A["code"].eq(head),
                        A["first"].eq(kk == 0),
                        A["last"].eq(last_term),
                        kk.eq(Mux(last_term, 0, kk + 1)),
                    ]
                    with m.If(kk == 0):
                        m.d.sync += A["word"].eq(read_word)
                    with m.If(last_term):
                        m.d.sync += o.eq(o + 1)
        return m
