"""The consumer side of Celery: the worker app (app.py, made by create_worker_app), its tasks,
signal handlers and recovery step. celery_app.py is the `-A` entry point. What producers
share with it — task names, queues, the Celery configuration — is in drive2.messaging."""
