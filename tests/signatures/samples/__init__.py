"""Sample PDF files for the validation tests: the builders (``pdfs``) and the files they keep."""
