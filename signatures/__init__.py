"""Everything PDF: ND 30/2020 layout, rendering, signature fields, signing providers, PAdES
levels, validation and the dev PKI. Filled in by the signatures issue."""
