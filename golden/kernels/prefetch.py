"""A cache prefetch hint for numba kernels (private).

``prefetch(arr, index)`` asks the CPU to bring the cache line of ``arr[index]`` (``index`` a
tuple, one entry per dimension) into cache and returns at once (LLVM's ``llvm.prefetch``:
read, high locality). It changes no value, only when memory is read: a kernel that will touch
scattered cells (a column of a row-major array) prefetches them all first, so their cache
misses overlap instead of following one another. Without the JIT (``NUMBA_DISABLE_JIT``) it
does nothing.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils, config
from numba.extending import intrinsic

__all__ = ["prefetch"]


@intrinsic
def _prefetch(typingctx, arr, index):
    sig = types.void(arr, index)

    def codegen(context, builder, signature, args):
        arr_type, index_type = signature.args
        array = context.make_array(arr_type)(context, builder, args[0])
        indices = [
            context.cast(builder, v, t, types.intp)
            for v, t in zip(cgutils.unpack_tuple(builder, args[1]), index_type, strict=True)
        ]
        ptr = cgutils.get_item_pointer(context, builder, arr_type, array, indices)
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn_type = ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fn_type, "llvm.prefetch.p0")
        # read (0), high temporal locality (3), data cache (1)
        builder.call(fn, [builder.bitcast(ptr, byte_ptr), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


def _no_prefetch(arr, index) -> None:
    """Without the JIT there is no cache to hint."""


prefetch = _no_prefetch if config.DISABLE_JIT else _prefetch
