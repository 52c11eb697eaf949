"""Every case of the bad-input matrix (the table the runner's children read)."""

from bad_input_api_cases import CASES as API_CASES
from bad_input_data_cases import CASES as DATA_CASES
from bad_input_file_cases import CASES as FILE_CASES

CASES = DATA_CASES + API_CASES + FILE_CASES
