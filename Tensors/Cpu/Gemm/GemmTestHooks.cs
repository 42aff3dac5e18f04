// Lets the property tests reach the internal kernel and path overrides (GemmIsaSelection.Override,
// Gemm.t_smallThresholdOverride). Nothing else is exposed; production callers see only Gemm/GemmReference.
using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("MoeFromScratch.PropertyTests")]
