from django.db import migrations, models

# Codes older entries stored when Zoho's answer never came: the write may have landed, so those
# entries were never a refusal (issue #10 item 4).
NO_ANSWER_CODES = ("ZohoTimeout", "ZohoConnectionError", "TransportError", "timeout", "connection")


def unanswered_marked(apps, schema_editor):
    AuditEntry = apps.get_model("crmadmin", "AuditEntry")
    AuditEntry.objects.filter(succeeded=False, response_code__in=NO_ANSWER_CODES).update(
        confirmed=False
    )


class Migration(migrations.Migration):
    dependencies = [("crmadmin", "0005_jobs_csv_links")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="confirmed",
            field=models.BooleanField(default=True),
        ),
        migrations.RunPython(unanswered_marked, migrations.RunPython.noop),
    ]
