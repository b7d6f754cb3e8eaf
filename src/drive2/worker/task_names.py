"""Task names shared by the producers (API, sweeper) and the worker, so the API never has to
import the task code to send a message."""

PROCESS_UPLOADED_FILE = "drive2.process_uploaded_file"
REPROCESS_FILE = "drive2.reprocess_file"
GENERATE_AI_METADATA = "drive2.generate_ai_metadata"
CLEANUP_OLD_TASKS = "drive2.cleanup_old_tasks"
GENERATE_THUMBNAIL = "drive2.generate_thumbnail"
GENERATE_PDF_THUMBNAIL = "drive2.generate_pdf_thumbnail"
BATCH_GENERATE_THUMBNAILS = "drive2.batch_generate_thumbnails"
RERUN_FALLBACK_AI = "drive2.rerun_fallback_ai"
DEFAULT_QUEUE = "drive2"
