"""Languages (issue 19): an officer's own language (their pages and e-mails) and a contact's
language of invitations (the e-mails and the answer page a guest receives). Blank in both:
the officer's browser, the first known language of the contact (also the database's
default, for rows written in SQL)."""

from django.db import migrations, models

LANGUAGES = [("en", "English"), ("ru", "Русский"), ("he", "עברית")]
CONTACT_LANGUAGE = models.CharField(
    blank=True,
    choices=LANGUAGES,
    db_default="",
    default="",
    help_text=(
        "The language of the invitations and the answer page this contact receives. "
        "Blank: the first of English, Russian and Hebrew among their languages."
    ),
    max_length=8,
    verbose_name="language of invitations",
)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0018_contact_layer_optional")]

    operations = [
        migrations.AddField(model_name="contact", name="language", field=CONTACT_LANGUAGE),
        migrations.AddField(
            model_name="historicalcontact", name="language", field=CONTACT_LANGUAGE.clone()
        ),
        migrations.AddField(
            model_name="officerprofile",
            name="language",
            field=models.CharField(
                blank=True,
                choices=LANGUAGES,
                db_default="",
                default="",
                help_text="The language of your pages and e-mails. Blank: your browser's.",
                max_length=8,
                verbose_name="language",
            ),
        ),
    ]
