// elementwise_push.glsl: the push constants of the elementwise family (fill, copy, unary, binary,
// where), mirrored by ElementwisePush in C#. Operand slots 0..2 are inputs (for copy slot 1 is the
// strided output, for fill slot 0 is); offset[3] is the contiguous output's element offset.
layout(push_constant) uniform Push
{
    uint numel;                  // elements of the output
    uint rank;                   // coalesced rank, <= MAX_RANK
    int shape[MAX_RANK];         // coalesced output shape
    uint offset[4];              // element offsets: operands 0..2, output
    int stride[3][MAX_RANK];     // element strides of operands 0..2 (0 = broadcast)
    uint value_bits;             // fill: the value's bits in the output dtype
} p;

uint operand_offset(uint slot, uint i) { return p.offset[slot] + strided_offset(i, p.rank, p.shape, p.stride[slot]); }
