"""Every word the caller hears, in Delhi's four languages, in the order the Act names them: Hindi, English,
Punjabi (Gurmukhi), Urdu (Persian script). One file, so a translator reviews the whole IVR here.

How each is spoken (telephony/prompts.py): Hindi by Polly.Aditi, English by Polly.Raveena, Punjabi by
Google.pa-IN-Wavenet-A. Twilio has no Urdu voice: Urdu is played from recordings (telephony/recordings.py
lists the files and checks them; until a prompt's recording is present, its Hindi text is spoken instead).
A `{name}` in a prompt is a number filled in at the call.
"""

from __future__ import annotations

TEXT = {
    "welcome": {
        "hi": "नमस्ते, दिल्ली स्वास्थ्य हेल्पलाइन सम्पर्क में आपका स्वागत है।",
        "en": "Welcome to Sampark, the Delhi health helpline.",
        "pa": "ਸਤ ਸ੍ਰੀ ਅਕਾਲ, ਦਿੱਲੀ ਸਿਹਤ ਹੈਲਪਲਾਈਨ ਸੰਪਰਕ ਵਿੱਚ ਤੁਹਾਡਾ ਸਵਾਗਤ ਹੈ।",
        "ur": "آداب، دہلی صحت ہیلپ لائن سمپرک میں خوش آمدید۔",
    },
    "welcome_back": {
        "hi": "नमस्ते, सम्पर्क स्वास्थ्य हेल्पलाइन में आपका फिर से स्वागत है।",
        "en": "Welcome back to Sampark, the Delhi health helpline.",
        "pa": "ਸਤ ਸ੍ਰੀ ਅਕਾਲ, ਸੰਪਰਕ ਸਿਹਤ ਹੈਲਪਲਾਈਨ ਵਿੱਚ ਤੁਹਾਡਾ ਫਿਰ ਤੋਂ ਸਵਾਗਤ ਹੈ।",
        "ur": "آداب، سمپرک صحت ہیلپ لائن میں دوبارہ خوش آمدید۔",
    },
    "menu": {
        "hi": "हिंदी के लिए 1 दबाएं। चिकित्सा आपातकाल के लिए 9 दबाएं।",
        "en": "For English, press 2. For a medical emergency, press 9.",
        "pa": "ਪੰਜਾਬੀ ਲਈ 3 ਦਬਾਓ। ਮੈਡੀਕਲ ਐਮਰਜੈਂਸੀ ਲਈ 9 ਦਬਾਓ।",
        "ur": "اردو کے لیے 4 دبائیں۔ طبی ایمرجنسی کے لیے 9 دبائیں۔",
    },
    "speak": {
        "hi": "या अपनी तकलीफ़ बोलकर बताएं।",
        "en": "Or just tell us what is wrong.",
        "pa": "ਜਾਂ ਆਪਣੀ ਤਕਲੀਫ਼ ਬੋਲ ਕੇ ਦੱਸੋ।",
        "ur": "یا اپنی تکلیف بول کر بتائیں۔",
    },
    "on_hold": {
        "hi": "कृपया लाइन पर बने रहें, डॉक्टर कुछ ही पल में फिर आपसे बात करेंगे।",
        "en": "Please stay on the line: the doctor will be back with you in a moment.",
        "pa": "ਕਿਰਪਾ ਕਰਕੇ ਲਾਈਨ ਤੇ ਬਣੇ ਰਹੋ, ਡਾਕਟਰ ਕੁਝ ਹੀ ਪਲਾਂ ਵਿੱਚ ਫਿਰ ਤੁਹਾਡੇ ਨਾਲ ਗੱਲ ਕਰਨਗੇ।",
        "ur": "براہ کرم لائن پر رہیں، ڈاکٹر چند لمحوں میں دوبارہ آپ سے بات کریں گے۔",
    },
    "invalid": {
        "hi": "यह विकल्प सही नहीं है।",
        "en": "That is not one of the choices.",
        "pa": "ਇਹ ਵਿਕਲਪ ਸਹੀ ਨਹੀਂ ਹੈ।",
        "ur": "یہ درست انتخاب نہیں ہے۔",
    },
    "emergency": {
        "hi": "अगर मरीज़ सांस नहीं ले रहा या बेहोश है, तो अभी 112 या एम्बुलेंस के लिए 108 पर कॉल करें। लाइन पर बने रहें, आपको डॉक्टर से जोड़ा जा रहा है।",
        "en": "If the patient is not breathing or is unconscious, call 112, or 108 for an ambulance, now. Stay on the line: we are connecting you to a doctor.",
        "pa": "ਜੇ ਮਰੀਜ਼ ਸਾਹ ਨਹੀਂ ਲੈ ਰਿਹਾ ਜਾਂ ਬੇਹੋਸ਼ ਹੈ, ਤਾਂ ਹੁਣੇ 112 ਜਾਂ ਐਂਬੂਲੈਂਸ ਲਈ 108 ਤੇ ਕਾਲ ਕਰੋ। ਲਾਈਨ ਤੇ ਬਣੇ ਰਹੋ, ਤੁਹਾਨੂੰ ਡਾਕਟਰ ਨਾਲ ਜੋੜਿਆ ਜਾ ਰਿਹਾ ਹੈ।",
        "ur": "اگر مریض سانس نہیں لے رہا یا بے ہوش ہے تو ابھی 112 یا ایمبولینس کے لیے 108 پر کال کریں۔ لائن پر رہیں، آپ کو ڈاکٹر سے جوڑا جا رہا ہے۔",
    },
    "fallback": {
        "hi": "सम्पर्क में अभी तकनीकी दिक्कत है। आपातकाल में अभी 112 या एम्बुलेंस के लिए 108 पर कॉल करें। हमारे पास आपका नंबर है, हम आपको वापस कॉल करेंगे।",
        "en": "Sampark has a technical problem right now. In an emergency, call 112, or 108 for an ambulance, now. We have your number and will call you back.",
        "pa": "ਸੰਪਰਕ ਵਿੱਚ ਇਸ ਵੇਲੇ ਤਕਨੀਕੀ ਦਿੱਕਤ ਹੈ। ਐਮਰਜੈਂਸੀ ਵਿੱਚ ਹੁਣੇ 112 ਜਾਂ ਐਂਬੂਲੈਂਸ ਲਈ 108 ਤੇ ਕਾਲ ਕਰੋ। ਸਾਡੇ ਕੋਲ ਤੁਹਾਡਾ ਨੰਬਰ ਹੈ, ਅਸੀਂ ਤੁਹਾਨੂੰ ਵਾਪਸ ਕਾਲ ਕਰਾਂਗੇ।",
        "ur": "سمپرک میں اس وقت تکنیکی خرابی ہے۔ ایمرجنسی میں ابھی 112 یا ایمبولینس کے لیے 108 پر کال کریں۔ ہمارے پاس آپ کا نمبر ہے، ہم آپ کو واپس کال کریں گے۔",
    },
    "emergency_wait": {
        "hi": "डॉक्टर से जोड़ा जा रहा है। मरीज़ को अकेला न छोड़ें। ज़रूरत हो तो 108 पर एम्बुलेंस बुलाएं।",
        "en": "Connecting you to a doctor. Do not leave the patient alone. Call 108 for an ambulance if needed.",
        "pa": "ਡਾਕਟਰ ਨਾਲ ਜੋੜਿਆ ਜਾ ਰਿਹਾ ਹੈ। ਮਰੀਜ਼ ਨੂੰ ਇਕੱਲਾ ਨਾ ਛੱਡੋ। ਲੋੜ ਹੋਵੇ ਤਾਂ 108 ਤੇ ਐਂਬੂਲੈਂਸ ਬੁਲਾਓ।",
        "ur": "ڈاکٹر سے جوڑا جا رہا ہے۔ مریض کو اکیلا نہ چھوڑیں۔ ضرورت ہو تو 108 پر ایمبولینس بلائیں۔",
    },
    "card": {
        "hi": "अगर आपके पास स्वास्थ्य कार्ड है, तो 12 अंकों का कार्ड नंबर डालें और फिर हैश दबाएं। कार्ड नहीं है तो सिर्फ हैश दबाएं।",
        "en": "If you have your health card, enter the 12 digit card number, then press hash. If not, just press hash.",
        "pa": "ਜੇ ਤੁਹਾਡੇ ਕੋਲ ਸਿਹਤ ਕਾਰਡ ਹੈ, ਤਾਂ 12 ਅੰਕਾਂ ਦਾ ਕਾਰਡ ਨੰਬਰ ਪਾਓ ਅਤੇ ਫਿਰ ਹੈਸ਼ ਦਬਾਓ। ਕਾਰਡ ਨਹੀਂ ਹੈ ਤਾਂ ਸਿਰਫ਼ ਹੈਸ਼ ਦਬਾਓ।",
        "ur": "اگر آپ کے پاس ہیلتھ کارڈ ہے تو 12 ہندسوں کا کارڈ نمبر درج کریں اور پھر ہیش دبائیں۔ کارڈ نہیں ہے تو صرف ہیش دبائیں۔",
    },
    "card_retry": {
        "hi": "यह कार्ड नंबर सही नहीं लग रहा। कृपया दोबारा डालें और हैश दबाएं।",
        "en": "That card number does not check out. Please enter it again, then press hash.",
        "pa": "ਇਹ ਕਾਰਡ ਨੰਬਰ ਸਹੀ ਨਹੀਂ ਲੱਗਦਾ। ਕਿਰਪਾ ਕਰਕੇ ਦੁਬਾਰਾ ਪਾਓ ਅਤੇ ਹੈਸ਼ ਦਬਾਓ।",
        "ur": "یہ کارڈ نمبر درست نہیں لگتا۔ براہ کرم دوبارہ درج کریں اور ہیش دبائیں۔",
    },
    "card_unknown": {
        "hi": "यह कार्ड हमें नहीं मिला। कोई बात नहीं, सलाहकार आपकी मदद करेंगे।",
        "en": "We could not find that card. No problem: an advisor will help you.",
        "pa": "ਇਹ ਕਾਰਡ ਸਾਨੂੰ ਨਹੀਂ ਮਿਲਿਆ। ਕੋਈ ਗੱਲ ਨਹੀਂ, ਸਲਾਹਕਾਰ ਤੁਹਾਡੀ ਮਦਦ ਕਰਨਗੇ।",
        "ur": "یہ کارڈ ہمیں نہیں ملا۔ کوئی بات نہیں، مشیر آپ کی مدد کریں گے۔",
    },
    "card_revoked": {
        "hi": "यह कार्ड अब मान्य नहीं है। कोई बात नहीं, सलाहकार आपकी मदद करेंगे।",
        "en": "This card is no longer valid. No problem: an advisor will help you.",
        "pa": "ਇਹ ਕਾਰਡ ਹੁਣ ਜਾਇਜ਼ ਨਹੀਂ ਹੈ। ਕੋਈ ਗੱਲ ਨਹੀਂ, ਸਲਾਹਕਾਰ ਤੁਹਾਡੀ ਮਦਦ ਕਰਨਗੇ।",
        "ur": "یہ کارڈ اب کارآمد نہیں ہے۔ کوئی بات نہیں، مشیر آپ کی مدد کریں گے۔",
    },
    "card_ok": {
        "hi": "धन्यवाद, आपका कार्ड मिल गया।",
        "en": "Thank you, we found your card.",
        "pa": "ਧੰਨਵਾਦ, ਤੁਹਾਡਾ ਕਾਰਡ ਮਿਲ ਗਿਆ।",
        "ur": "شکریہ، آپ کا کارڈ مل گیا۔",
    },
    "connecting": {
        "hi": "कृपया प्रतीक्षा करें, आपको स्वास्थ्य सलाहकार से जोड़ा जा रहा है।",
        "en": "Please hold: we are connecting you to a health advisor.",
        "pa": "ਕਿਰਪਾ ਕਰਕੇ ਉਡੀਕ ਕਰੋ, ਤੁਹਾਨੂੰ ਸਿਹਤ ਸਲਾਹਕਾਰ ਨਾਲ ਜੋੜਿਆ ਜਾ ਰਿਹਾ ਹੈ।",
        "ur": "براہ کرم انتظار کریں، آپ کو صحت کے مشیر سے جوڑا جا رہا ہے۔",
    },
    "position": {
        "hi": "कतार में आपका नंबर {position} है। लगभग {minutes} मिनट में बात होगी।",
        "en": "You are number {position} in the queue. The expected wait is about {minutes} minutes.",
        "pa": "ਕਤਾਰ ਵਿੱਚ ਤੁਹਾਡਾ ਨੰਬਰ {position} ਹੈ। ਲਗਭਗ {minutes} ਮਿੰਟ ਵਿੱਚ ਗੱਲ ਹੋਵੇਗੀ।",
        "ur": "قطار میں آپ کا نمبر {position} ہے۔ تقریباً {minutes} منٹ میں بات ہوگی۔",
    },
    "position_one_minute": {
        "hi": "कतार में आपका नंबर {position} है। लगभग एक मिनट में बात होगी।",
        "en": "You are number {position} in the queue. The expected wait is about one minute.",
        "pa": "ਕਤਾਰ ਵਿੱਚ ਤੁਹਾਡਾ ਨੰਬਰ {position} ਹੈ। ਲਗਭਗ ਇੱਕ ਮਿੰਟ ਵਿੱਚ ਗੱਲ ਹੋਵੇਗੀ।",
        "ur": "قطار میں آپ کا نمبر {position} ہے۔ تقریباً ایک منٹ میں بات ہوگی۔",
    },
    "offer_callback": {
        "hi": "इंतज़ार करने के बजाय वापस कॉल पाने के लिए 1 दबाएं। आपकी जगह बनी रहेगी।",
        "en": "To get a call back instead of waiting, press 1. You keep your place in the queue.",
        "pa": "ਉਡੀਕ ਕਰਨ ਦੀ ਬਜਾਏ ਵਾਪਸ ਕਾਲ ਲਈ 1 ਦਬਾਓ। ਤੁਹਾਡੀ ਥਾਂ ਬਣੀ ਰਹੇਗੀ।",
        "ur": "انتظار کے بجائے واپس کال کے لیے 1 دبائیں۔ آپ کی جگہ برقرار رہے گی۔",
    },
    "callback_booked": {
        "hi": "ठीक है, हम इसी नंबर पर आपको वापस कॉल करेंगे। आपकी जगह बनी रहेगी। धन्यवाद।",
        "en": "Thank you. We will call you back on this number, and you keep your place. Goodbye.",
        "pa": "ਠੀਕ ਹੈ, ਅਸੀਂ ਇਸੇ ਨੰਬਰ ਤੇ ਤੁਹਾਨੂੰ ਵਾਪਸ ਕਾਲ ਕਰਾਂਗੇ। ਤੁਹਾਡੀ ਥਾਂ ਬਣੀ ਰਹੇਗੀ। ਧੰਨਵਾਦ।",
        "ur": "ٹھیک ہے، ہم اسی نمبر پر آپ کو واپس کال کریں گے۔ آپ کی جگہ برقرار رہے گی۔ شکریہ۔",
    },
    "texts_to": {  # issue 26: which number takes texts (WhatsApp first: two-way SMS is not offered in India)
        "hi": "आप हमें व्हाट्सऐप पर {whatsapp} पर लिख सकते हैं, जवाब वहीं मिलेगा; या एसएमएस {sms} पर भेजें।",
        "en": "You can also write to us on WhatsApp at {whatsapp}, and get answers there; or send an SMS to {sms}.",
        "pa": "ਤੁਸੀਂ ਸਾਨੂੰ ਵਟਸਐਪ ਤੇ {whatsapp} ਤੇ ਲਿਖ ਸਕਦੇ ਹੋ, ਜਵਾਬ ਉੱਥੇ ਹੀ ਮਿਲੇਗਾ; ਜਾਂ ਐਸਐਮਐਸ {sms} ਤੇ ਭੇਜੋ।",
        "ur": "آپ ہمیں واٹس ایپ پر {whatsapp} پر لکھ سکتے ہیں، جواب وہیں ملے گا؛ یا ایس ایم ایس {sms} پر بھیجیں۔",
    },
    "connected": {
        "hi": "आपको सलाहकार से जोड़ा जा रहा है।",
        "en": "Connecting you to an advisor now.",
        "pa": "ਤੁਹਾਨੂੰ ਸਲਾਹਕਾਰ ਨਾਲ ਜੋੜਿਆ ਜਾ ਰਿਹਾ ਹੈ।",
        "ur": "آپ کو مشیر سے جوڑا جا رہا ہے۔",
    },
    "goodbye": {
        "hi": "सम्पर्क हेल्पलाइन पर कॉल करने के लिए धन्यवाद।",
        "en": "Thank you for calling Sampark.",
        "pa": "ਸੰਪਰਕ ਹੈਲਪਲਾਈਨ ਤੇ ਕਾਲ ਕਰਨ ਲਈ ਧੰਨਵਾਦ।",
        "ur": "سمپرک ہیلپ لائن پر کال کرنے کا شکریہ۔",
    },
}

# Until a prompt's Urdu recording is made, Twilio's Hindi voice (which has no Urdu) speaks the Urdu prompt's own
# words, written here in Devanagari (nuktas kept: ख़ुश, क़तार), rather than the Hindi prompt: spoken Urdu and Hindi are
# one language to the ear, but the Hindi prompts' words (स्वास्थ्य, कृपया, प्रतीक्षा) are not the words an Urdu
# speaker uses. A synthetic Urdu voice (espeak-ng) was tried and not taken: static/ivr/ur/README.md says why.
URDU_IN_DEVANAGARI = {
    "welcome": "आदाब, दिल्ली सेहत हेल्पलाइन सम्पर्क में ख़ुश आमदीद।",
    "welcome_back": "आदाब, सम्पर्क सेहत हेल्पलाइन में दोबारा ख़ुश आमदीद।",
    "menu": "उर्दू के लिए 4 दबाएं। तिब्बी इमरजेंसी के लिए 9 दबाएं।",
    "speak": "या अपनी तकलीफ़ बोल कर बताएं।",
    "on_hold": "बराहे करम लाइन पर रहें, डॉक्टर चंद लम्हों में दोबारा आप से बात करेंगे।",
    "invalid": "यह दुरुस्त इंतिख़ाब नहीं है।",
    "emergency": "अगर मरीज़ सांस नहीं ले रहा या बेहोश है तो अभी 112 या एम्बुलेंस के लिए 108 पर कॉल करें। लाइन पर रहें, आप "
                 "को डॉक्टर से जोड़ा जा रहा है।",
    "fallback": "सम्पर्क में इस वक़्त तकनीकी ख़राबी है। इमरजेंसी में अभी 112 या एम्बुलेंस के लिए 108 पर कॉल करें। हमारे पास "
                "आप का नंबर है, हम आप को वापस कॉल करेंगे।",
    "emergency_wait": "डॉक्टर से जोड़ा जा रहा है। मरीज़ को अकेला न छोड़ें। ज़रूरत हो तो 108 पर एम्बुलेंस बुलाएं।",
    "card": "अगर आप के पास हेल्थ कार्ड है तो 12 हिंदसों का कार्ड नंबर दर्ज करें और फिर हैश दबाएं। कार्ड नहीं है तो सिर्फ़ "
            "हैश दबाएं।",
    "card_retry": "यह कार्ड नंबर दुरुस्त नहीं लगता। बराहे करम दोबारा दर्ज करें और हैश दबाएं।",
    "card_unknown": "यह कार्ड हमें नहीं मिला। कोई बात नहीं, मुशीर आप की मदद करेंगे।",
    "card_revoked": "यह कार्ड अब कारआमद नहीं है। कोई बात नहीं, मुशीर आप की मदद करेंगे।",
    "card_ok": "शुक्रिया, आप का कार्ड मिल गया।",
    "connecting": "बराहे करम इंतिज़ार करें, आप को सेहत के मुशीर से जोड़ा जा रहा है।",
    "position": "क़तार में आप का नंबर {position} है। तक़रीबन {minutes} मिनट में बात होगी।",
    "position_one_minute": "क़तार में आप का नंबर {position} है। तक़रीबन एक मिनट में बात होगी।",
    "offer_callback": "इंतिज़ार के बजाए वापस कॉल के लिए 1 दबाएं। आप की जगह बरक़रार रहेगी।",
    "callback_booked": "ठीक है, हम इसी नंबर पर आप को वापस कॉल करेंगे। आप की जगह बरक़रार रहेगी। शुक्रिया।",
    "texts_to": "आप हमें वाट्सऐप पर {whatsapp} पर लिख सकते हैं, जवाब वहीं मिलेगा; या एसएमएस {sms} पर भेजें।",
    "connected": "आप को मुशीर से जोड़ा जा रहा है।",
    "goodbye": "सम्पर्क हेल्पलाइन पर कॉल करने का शुक्रिया।",
}
