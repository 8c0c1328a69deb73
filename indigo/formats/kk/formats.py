# Kazakh dates as Kazakh writes them: "31 мамыр 2024 ж." (Django has no kk formats and fell back to
# the English order, "Мамыр 31, 2024"). Month names in this form come from locale/kk ("alt. month").
DATE_FORMAT = "j E Y ж."
DATETIME_FORMAT = "j E Y ж. H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y ж."
MONTH_DAY_FORMAT = "j E"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1
# Every date field shows and takes dd.mm.yyyy (issue 12); ISO stays accepted for links and scripts.
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
