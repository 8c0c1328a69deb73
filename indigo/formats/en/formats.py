# Every date field shows and takes dd.mm.yyyy, in English too (issue 12): one way of writing a date
# across the portal. ISO stays accepted for links and scripts.
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
DATE_FORMAT = "j F Y"
