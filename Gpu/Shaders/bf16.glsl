// bf16.glsl: bfloat16 storage for the STORAGE_BF16 shader variants. Gpu.csproj compiles every shader
// in its Bf16Shaders list twice, from the same source: as is (float32 / int32 words), and with
// -DSTORAGE_BF16, where the kernel's float tensors are 16-bit words (GL_EXT_shader_16bit_storage: the
// device's storageBuffer16BitAccess, enabled at device creation) holding bf16 bits. This glslc has no
// bf16 extension, so a bf16 is handled as its bits: widening is a shift (exact), narrowing rounds to
// nearest even with the NaN kept quiet — Tensors/Core/BFloat16.FromSingle, bit for bit. Arithmetic
// stays float32; a kernel rounds only where it stores. It is not a float16 (IEEE half) path.
// Include it first, right after #version: it may carry an #extension.
#ifndef BF16_GLSL
#define BF16_GLSL
#ifdef STORAGE_BF16
#extension GL_EXT_shader_16bit_storage : require
#endif

#define DT_BF16 2   // after common.glsl's DT_F32 0, DT_I32 1: VulkanBackend.DTypeCode

// float32 -> bf16 bits, round to nearest even on the 16 dropped bits; NaN keeps its sign and top
// payload with the quiet bit set (rounding could turn it into ±inf); overflow carries into ±inf.
uint bf16_bits(float value)
{
    uint bits = floatBitsToUint(value);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (bits >> 16) | 0x40u;
    return (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
}

// bf16 bits -> float32: exact.
float bf16_value(uint bits) { return uintBitsToFloat(bits << 16); }

// FLOAT_STORAGE is the element type of a float tensor's buffer in this variant; load_float /
// store_float convert one element, so a kernel written against them serves both variants. They are
// macros: without the int16 arithmetic extension a 16-bit type may live only in a buffer, not in a
// function's parameter or result.
#ifdef STORAGE_BF16
#define FLOAT_STORAGE uint16_t
#define load_float(word) bf16_value(uint(word))
#define store_float(value) uint16_t(bf16_bits(value))
#else
#define FLOAT_STORAGE float
#define load_float(word) (word)
#define store_float(value) (value)
#endif

// WORD_STORAGE: the element type of a tensor that the word kernels (fill, copy, unary, binary, where,
// reduce, gather) bind as raw words and read through a DTYPE constant: 32-bit words (float32 or
// int32) normally, 16-bit bf16 words in the bf16 variant. load_word widens to the 32 bits that
// common.glsl's to_float / from_float take; store_word keeps the low 16 in the bf16 variant.
#ifdef STORAGE_BF16
#define WORD_STORAGE uint16_t
#define load_word(word) uint(word)
#define store_word(bits) uint16_t(bits)
#else
#define WORD_STORAGE uint
#define load_word(word) (word)
#define store_word(bits) (bits)
#endif
#endif
