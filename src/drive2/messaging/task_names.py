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
PURGE_TRASH = "drive2.purge_trash"
REINDEX_EMBEDDINGS = "drive2.reindex_embeddings"
DEFAULT_QUEUE = "drive2"

# --- LINE notifications (queue NOTIFICATIONS_QUEUE) ------------------------------------------
SEND_PROCESSING_COMPLETE = "drive2.send_processing_complete"
SEND_PROCESSING_FAILED = "drive2.send_processing_failed"
SEND_STORAGE_QUOTA_ALERT = "drive2.send_storage_quota_alert"
SEND_DAILY_SUMMARY = "drive2.send_daily_summary"
SEND_BATCH_NOTIFICATIONS = "drive2.send_batch_notifications"
SEND_DAILY_SUMMARIES = "drive2.send_daily_summaries"
RESEND_NOTIFICATIONS = "drive2.resend_notifications"
NOTIFICATIONS_QUEUE = "notifications"
