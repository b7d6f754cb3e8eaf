"""OCR with the tesseract CLI: the engine (tesseract.py), PDF pages rendered for it
(pdf_pages.py) and image files prepared for it (images.py). The stage that uses them is
pipeline/stages/ocr.py."""
